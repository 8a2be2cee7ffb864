// Kenyan display conventions: whole shillings as `KES 1,250`, times in Africa/Nairobi.
const kes = new Intl.NumberFormat("en-KE", { maximumFractionDigits: 0 });
const dateTime = new Intl.DateTimeFormat("en-KE", {
  timeZone: "Africa/Nairobi",
  dateStyle: "medium",
  timeStyle: "medium",
});

/** `amount` is whole KES (an integer), as M-Pesa moves it. */
export function formatKes(amount: number): string {
  return `KES ${kes.format(amount)}`;
}

export function formatNairobiTime(date: Date): string {
  return dateTime.format(date);
}
