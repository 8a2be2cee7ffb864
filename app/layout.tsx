import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Malipo", template: "%s · Malipo" },
  description: "M-Pesa payments for Kenyan businesses: collect, pay out, reconcile.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#15803d" };

// No client providers here: the public checkout must not pay for the dashboard's libraries.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
