/** @module generate/types — openapi-typescript, with `@maxBytes N` added to the JSDoc of byte-limited fields. */
import openapiTS, { astToString } from "openapi-typescript";
import { HEADER } from "./render.mjs";

export async function renderTypes(spec) {
  const annotated = structuredClone(spec);
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    if (node["x-maxBytes"] !== undefined) node.description = `${(node.description ?? "").trimEnd()}\n@maxBytes ${node["x-maxBytes"]}`;
    Object.values(node).forEach(visit);
  };
  visit(annotated.components);
  const ast = await openapiTS(annotated, { alphabetize: false, exportType: false });
  return `${HEADER}${astToString(ast)}`;
}
