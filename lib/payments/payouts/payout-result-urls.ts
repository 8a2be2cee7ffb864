// Where Daraja reports a payout's, a reversal's or a status query's Result: the merchant's id and callback
// secret in the path, like the STK callback (app/api/mpesa/[kind]/[merchantId]/[secret]).

export type ResultApi = "b2c" | "b2b" | "status" | "reversal";

export function payoutResultUrls(
  appUrl: string,
  api: ResultApi,
  merchant: { id: string; callbackSecret: string },
): { resultUrl: string; timeoutUrl: string } {
  const at = (kind: string) => `${appUrl}/api/mpesa/${api}-${kind}/${merchant.id}/${merchant.callbackSecret}`;
  return { resultUrl: at("result"), timeoutUrl: at("timeout") };
}
