// The "known device" cookie: a random device id and an HMAC over email + device id, set after a
// successful sign-in. It proves only that this browser signed in as that email before, which is
// enough to exempt it from the delays that failures from other addresses cause (sign-in-throttle).
// It is not a credential: the password is still checked, on the device's own throttle key.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const DEVICE_COOKIE = "malipo_device";
/** A year: a device stays known until the browser forgets it. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

function mac(secret: string, email: string, deviceId: string): Buffer {
  // A key of its own derived from the app secret, so this MAC can never stand in for another.
  const key = createHmac("sha256", secret).update("malipo:known-device:v1").digest();
  return createHmac("sha256", key).update(`${email.toLowerCase()}|${deviceId}`).digest();
}

/** A new device token for `email`: `<device id>.<mac>`, both base64url. */
export function createDeviceToken(secret: string, email: string, deviceId?: string): string {
  const id = deviceId ?? randomBytes(16).toString("base64url");
  return `${id}.${mac(secret, email, id).toString("base64url")}`;
}

/** The device id when `token` was issued to this browser for `email`, else null. */
export function verifyDeviceToken(
  secret: string,
  email: string,
  token: string | null | undefined,
): string | null {
  if (!token || token.length > 200) return null;
  const [id, given, extra] = token.split(".");
  if (!id || !given || extra !== undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) return null;
  const expected = mac(secret, email, id);
  const actual = Buffer.from(given, "base64url");
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : null;
}
