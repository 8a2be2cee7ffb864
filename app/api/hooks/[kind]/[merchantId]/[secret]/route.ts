// The same Daraja callback endpoint under a path without "mpesa", which Safaricom requires of C2B URLs.
export { POST } from "../../../../mpesa/[kind]/[merchantId]/[secret]/route";
