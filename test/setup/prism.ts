/** Global setup: one Prism mock of the spec for the whole run, its URL provided to tests as `prismUrl`. */
import type { TestProject } from "vitest/node";
import { startPrism } from "../../scripts/prism.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const prism = await startPrism();
  project.provide("prismUrl", prism.url);
  return async () => {
    await prism.stop();
  };
}
