// Finding the table in an M-Pesa statement: its header row by the column names (every spelling
// seen in portal exports, old and new), and the facts the lines above it give (shortcode, period).
import { cellText, parseStatementTime, type StatementCell } from "./statement-cells";

export type StatementColumn =
  | "receipt"
  | "completedAt"
  | "initiatedAt"
  | "details"
  | "status"
  | "paidIn"
  | "withdrawn"
  | "amount"
  | "balance"
  | "balanceConfirmed"
  | "reasonType"
  | "otherParty"
  | "linkedReceipt"
  | "accountReference"
  | "currency";

/** Header names, compared lower-cased with everything but letters and digits removed. */
const ALIASES: Record<string, StatementColumn> = {
  receiptno: "receipt",
  receiptnumber: "receipt",
  receipt: "receipt",
  mpesareceipt: "receipt",
  mpesareceiptno: "receipt",
  transactionid: "receipt",
  transid: "receipt",
  completiontime: "completedAt",
  completiondate: "completedAt",
  completedtime: "completedAt",
  completedat: "completedAt",
  transactiontime: "completedAt",
  transactiondate: "completedAt",
  date: "completedAt",
  initiationtime: "initiatedAt",
  initiationdate: "initiatedAt",
  details: "details",
  transactiondetails: "details",
  description: "details",
  narration: "details",
  transactionstatus: "status",
  status: "status",
  paidin: "paidIn",
  moneyin: "paidIn",
  credit: "paidIn",
  withdrawn: "withdrawn",
  withdrawal: "withdrawn",
  paidout: "withdrawn",
  moneyout: "withdrawn",
  debit: "withdrawn",
  amount: "amount",
  transactionamount: "amount",
  balance: "balance",
  accountbalance: "balance",
  runningbalance: "balance",
  balanceconfirmed: "balanceConfirmed",
  reasontype: "reasonType",
  reason: "reasonType",
  transactiontype: "reasonType",
  otherpartyinfo: "otherParty",
  otherpartyinformation: "otherParty",
  otherparty: "otherParty",
  oppositeparty: "otherParty",
  oppositepartyinfo: "otherParty",
  linkedtransactionid: "linkedReceipt",
  linkedtransaction: "linkedReceipt",
  linkedreceipt: "linkedReceipt",
  acno: "accountReference",
  accountno: "accountReference",
  accountnumber: "accountReference",
  accno: "accountReference",
  accountreference: "accountReference",
  billrefnumber: "accountReference",
  transactionpartydetails: "accountReference",
  currency: "currency",
};

/** The table's header as the current portal export writes it (docs/daraja.md §20). */
export const PORTAL_STATEMENT_COLUMNS = [
  "Receipt No.",
  "Completion Time",
  "Initiation Time",
  "Details",
  "Transaction Status",
  "Paid In",
  "Withdrawn",
  "Balance",
  "Balance Confirmed",
  "Reason Type",
  "Other Party Info",
  "Linked Transaction ID",
  "A/C No.",
] as const;

export type ColumnMap = Partial<Record<StatementColumn, number>>;

const normalise = (cell: StatementCell) =>
  cellText(cell)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

/**
 * The column positions when `cells` is the statement's header row: it names a receipt, a
 * completion time and at least one amount column (Paid In, Withdrawn or a signed Amount). Null
 * for any other row. Unknown columns are ignored; the first of two columns with one meaning wins.
 */
export function matchStatementHeader(cells: StatementCell[]): ColumnMap | null {
  const map: ColumnMap = {};
  cells.forEach((cell, index) => {
    const column = ALIASES[normalise(cell)];
    if (column && map[column] === undefined) map[column] = index;
  });
  const hasAmount = map.paidIn !== undefined || map.withdrawn !== undefined || map.amount !== undefined;
  return map.receipt !== undefined && map.completedAt !== undefined && hasAmount ? map : null;
}

/** What the lines above the table say about the statement (all optional: a bare CSV has none). */
export interface StatementFacts {
  accountHolder?: string;
  shortcode?: string;
  periodStart?: Date;
  /** Exclusive: the instant after the last second the statement covers. */
  periodEnd?: Date;
}

const DATE_TIME = String.raw`\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?`;
const PERIOD = new RegExp(String.raw`from\s*:?\s*(${DATE_TIME})\s*(?:to|-)\s*:?\s*(${DATE_TIME})`, "i");
const SHORTCODE =
  /\b(?:short\s*code|organi[sz]ation\s*(?:short\s*code|number)|pay\s*bill(?:\s*(?:no\.?|number))?|till(?:\s*(?:no\.?|number))?|business\s*(?:no\.?|number))\s*[:-]?\s*(\d{4,8})\b/i;
const HOLDER = /\baccount\s*holder\s*[:-]?\s*(.+)$/i;

/**
 * Adds what one line above the table says to `facts`: the shortcode ("Short Code: 600000",
 * "Paybill 600000"), the account holder, and the period ("Time Period: From 01-12-2026 00:00:00
 * To 01-12-2026 23:59:59", the two dates in one cell or in cells of their own). A period end
 * given without a time covers that whole day.
 */
export function readStatementFacts(cells: StatementCell[], facts: StatementFacts): void {
  const text = cells
    .map(cellText)
    .filter((t) => t !== "")
    .join(" ");
  if (!text) return;
  const shortcode = SHORTCODE.exec(text)?.[1];
  if (shortcode && !facts.shortcode) facts.shortcode = shortcode;
  const holder = HOLDER.exec(text)?.[1]
    ?.split(/\s{2,}|\b(?:short\s*code|account)\b/i)[0]
    ?.trim();
  if (holder && !facts.accountHolder) facts.accountHolder = holder.slice(0, 120);
  const period = PERIOD.exec(text);
  if (period && !facts.periodStart) {
    const start = parseStatementTime(period[1]);
    const end = parseStatementTime(period[2]);
    if (start && end) {
      facts.periodStart = start.instant;
      // "To 01-12-2026 23:59:59" covers that last second; "To 01-12-2026" the whole day.
      facts.periodEnd = new Date(end.instant.getTime() + (end.hasTime ? 1000 : 86_400_000));
    }
  }
}
