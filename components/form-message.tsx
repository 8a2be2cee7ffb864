// The one way forms say what happened: an alert for what to fix, a status for what worked.
// `inline` sits beside a button in a row instead of under a form.
export function FormError({
  message,
  inline = false,
}: {
  message: string | null | undefined;
  inline?: boolean;
}) {
  if (!message) return null;
  return inline ? (
    <span role="alert" className="text-xs text-red-700">
      {message}
    </span>
  ) : (
    <p role="alert" className="text-sm text-red-700">
      {message}
    </p>
  );
}

export function FormSuccess({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="status" className="text-sm text-green-800">
      {message}
    </p>
  );
}
