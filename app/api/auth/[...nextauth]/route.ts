// next-auth's endpoints (sign-in, sign-out, session, CSRF).
import { handlers } from "@/lib/auth";

export const { GET, POST } = handlers;
