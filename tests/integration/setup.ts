// Every integration test file starts from empty tables.
import { beforeAll } from "vitest";
import { testDb, truncateAll } from "./db";

beforeAll(async () => {
  await truncateAll(testDb());
});
