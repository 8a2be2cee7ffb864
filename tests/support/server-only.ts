// Tests call route handlers outside Next: "server-only" guards nothing there.
export {};
