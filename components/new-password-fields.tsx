// The "new password" and "type it again" pair, wherever someone chooses a password (accepting an
// invitation, changing it). The server decides what is strong enough (lib/security/password.ts).
export function NewPasswordFields({ name = "password" }: { name?: string }) {
  return (
    <>
      <label className="block">
        <span className="text-sm font-medium text-slate-700">New password</span>
        <input
          name={name}
          type="password"
          required
          minLength={10}
          maxLength={256}
          autoComplete="new-password"
          aria-describedby={`${name}-rule`}
          className="input mt-1 w-full"
        />
        <span id={`${name}-rule`} className="mt-1 block text-xs text-slate-600">
          At least 10 characters and hard to guess. A few unrelated words are easy to remember.
        </span>
      </label>
      <label className="block">
        <span className="text-sm font-medium text-slate-700">Type it again</span>
        <input
          name="confirm"
          type="password"
          required
          minLength={10}
          maxLength={256}
          autoComplete="new-password"
          className="input mt-1 w-full"
        />
      </label>
    </>
  );
}
