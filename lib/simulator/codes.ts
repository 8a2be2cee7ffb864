// Result codes and texts the simulator answers with (docs/daraja.md §5, §9, §11, §13).

export const STK_RESULTS: Record<string, string> = {
  "0": "The service request is processed successfully.",
  "1": "The balance is insufficient for the transaction.",
  "2": "Declined due to limit rule.",
  "3": "Declined due to limit rule: greater than the maximum transaction amount.",
  "4": "Declined due to limit rule: would exceed daily transfer limit.",
  "8": "Declined due to limit rule: would exceed the maximum balance.",
  "17": "Rule limited.",
  "26": "System busy. The service request is rejected.",
  "1001": "Unable to lock subscriber, a transaction is already in process for the current subscriber",
  "1019": "Transaction has expired.",
  "1025": "An error occurred while sending a push request.",
  "1031": "Request cancelled by user",
  "1032": "Request cancelled by user.",
  "1037": "DS timeout user cannot be reached.",
  "2001": "The initiator information is invalid.",
  "2028": "The request is not permitted according to product assignment.",
  "8006": "The security credential is locked.",
  "9999": "Error while sending push request",
  SFC_IC0003: "The operator does not exist.",
};

export const B2C_RESULTS: Record<string, string> = {
  "0": "The service request is processed successfully.",
  "1": "The balance is insufficient for the transaction.",
  "2": "Declined due to limit rule: less than the minimum transaction amount.",
  "3": "Declined due to limit rule: greater than the maximum transaction amount.",
  "4": "Declined due to limit rule: would exceed daily transfer limit",
  "8": "Declined due to limit rule: would exceed the maximum balance.",
  "11": "The DebitParty is in an invalid state.",
  "21": "The initiator is not allowed to initiate this request",
  "2001": "The initiator information is invalid.",
  "2006": "Declined due to account rule: The account status does not allow this transaction.",
  "2028": "The request is not permitted according to product assignment.",
  "2040":
    "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service.",
  "8006": "The security credential is locked",
  SFC_IC0003: "The operator does not exist.",
};

export const REVERSAL_RESULTS: Record<string, string> = {
  "0": "The service request is processed successfully.",
  "1": "The balance is insufficient for the transaction.",
  R000001: "The transaction has already been reversed",
  R000002: "The OriginalTransactionID is invalid.",
  "11": "The DebitParty is in an invalid state.",
  "21": "The initiator is not allowed to initiate this request",
  "2001": "The initiator information is invalid.",
  "8006": "The security credential is locked",
};

export const STATUS_RESULTS: Record<string, string> = {
  "0": "The service request is processed successfully.",
  "1": "No transaction matches the given TransactionID or OriginalConversationID.",
  "2001": "The initiator information is invalid.",
  SFC_IC0003: "The operator does not exist.",
};

export function resultText(table: Record<string, string>, code: string): string {
  return table[code] ?? STK_RESULTS[code] ?? B2C_RESULTS[code] ?? `Simulated result ${code}`;
}

/**
 * Phone numbers that choose an outcome without a person: `2547000` + five digits, the digits
 * being the result code (254700000000 → 0 success, 254700001032 → 1032 cancelled).
 */
export function magicPhoneOutcome(msisdn: string): string | null {
  const match = /^2547000(\d{5})$/.exec(msisdn);
  return match?.[1] ? String(Number(match[1])) : null;
}
