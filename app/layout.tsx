import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Malipo", template: "%s · Malipo" },
  description: "M-Pesa payments for Kenyan businesses: collect, pay out, reconcile.",
  // The files are in public/ (the front server stamps no policy on them).
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "32x32" },
      { url: "/icon.svg", type: "image/svg+xml" },
      { url: "/icon-192.png", type: "image/png", sizes: "192x192" },
      { url: "/icon-512.png", type: "image/png", sizes: "512x512" },
    ],
    apple: { url: "/apple-touch-icon.png", sizes: "180x180" },
  },
};

// Every page is rendered per request: the Content-Security-Policy's script nonce
// (lib/http/stamp-page-request.ts) can only be put on the scripts of a page rendered for that
// request, never a prebuilt one.
export const dynamic = "force-dynamic";

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#15803d" };

// No client providers here: the public checkout must not pay for the dashboard's libraries.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
