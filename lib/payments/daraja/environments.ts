// Where each Daraja environment lives. `simulator` is Malipo's local stand-in (lib/simulator);
// MPESA_BASE_URL (passed in as `baseUrl`) points any environment at another compatible server.
export type DarajaEnvironment = "simulator" | "sandbox" | "production";

export const DARAJA_BASE_URLS: Record<Exclude<DarajaEnvironment, "simulator">, string> = {
  sandbox: "https://sandbox.safaricom.co.ke",
  production: "https://api.safaricom.co.ke",
};

export function darajaBaseUrl(
  environment: DarajaEnvironment,
  options: { override?: string; simulatorUrl?: string },
): string {
  const url =
    options.override ?? (environment === "simulator" ? options.simulatorUrl : DARAJA_BASE_URLS[environment]);
  if (!url)
    throw new Error("the simulator environment needs the simulator's URL (MPESA_SIM_PORT / MPESA_BASE_URL)");
  return url.replace(/\/+$/, "");
}

/** The sandbox's public Lipa na M-Pesa Online test shortcode and passkey (docs/daraja.md §17). */
export const SANDBOX_STK_SHORTCODE = "174379";
export const SANDBOX_STK_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
