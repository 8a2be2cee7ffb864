// Next-bound inputs every password check needs (lib/users/check-password.ts): this browser's
// known-device cookie, the secret it is signed with, and the throttle policy from the env.
import "server-only";
import { cookies } from "next/headers";
import { appUrl, getEnv } from "./env";
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_SECONDS } from "./security/device-token";
import {
  NO_SIGN_IN_THROTTLE,
  SIGN_IN_THROTTLE,
  type SignInThrottlePolicy,
} from "./security/sign-in-throttle";

export async function passwordCheckContext(): Promise<{
  device: { secret: string; token: string | null };
  policy: SignInThrottlePolicy;
}> {
  const env = getEnv();
  return {
    device: { secret: env.AUTH_SECRET, token: (await cookies()).get(DEVICE_COOKIE)?.value ?? null },
    policy: env.DISABLE_RATE_LIMITS ? NO_SIGN_IN_THROTTLE : SIGN_IN_THROTTLE,
  };
}

/** Marks this browser as a known device for the email the token was made for. */
export async function rememberDevice(deviceToken: string): Promise<void> {
  (await cookies()).set(DEVICE_COOKIE, deviceToken, {
    httpOnly: true,
    sameSite: "lax",
    secure: appUrl().startsWith("https:"),
    path: "/",
    maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
  });
}
