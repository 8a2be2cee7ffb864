// `npm run sim`: the Daraja simulator on its own (port MPESA_SIM_PORT, default 4010).
import { startSimulator } from "../lib/simulator/server";

const port = Number(process.env.MPESA_SIM_PORT || 4010);
const sim = await startSimulator({
  port,
  host: process.env.MPESA_SIM_HOST || "127.0.0.1",
  consumerKey: process.env.MPESA_CONSUMER_KEY || undefined,
  consumerSecret: process.env.MPESA_CONSUMER_SECRET || undefined,
  log: (msg) => console.log(`[sim] ${msg}`),
});
console.log(`Daraja simulator on ${sim.url}`);
console.log(`  virtual phone: http://localhost:${sim.port}/phone`);
console.log(`  control API:   ${sim.url}/sim/state  (see README: "The Daraja simulator")`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void sim.close().then(() => process.exit(0)));
}
