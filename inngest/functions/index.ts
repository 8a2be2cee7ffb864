// Every Inngest function Malipo serves. Payment processing functions join this list as they land.
import type { InngestFunction } from "inngest";

export const functions: InngestFunction.Any[] = [];
