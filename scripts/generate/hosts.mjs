/** @module generate/hosts — region → primary and backup origin, from `servers[].x-region` / `x-role`. */
import { HEADER } from "./render.mjs";

export function regionHosts(spec) {
  const hosts = {};
  for (const server of spec.servers) {
    const region = server["x-region"];
    const role = server["x-role"];
    if (!region || !["primary", "backup"].includes(role)) throw new Error(`Server ${server.url} needs x-region and x-role`);
    hosts[region] ??= {};
    if (hosts[region][role]) throw new Error(`Two ${role} hosts for region ${region}`);
    hosts[region][role] = server.url;
  }
  for (const [region, entry] of Object.entries(hosts)) if (!entry.primary) throw new Error(`Region ${region} has no primary host`);
  return hosts;
}

export function renderHosts(hosts) {
  return `${HEADER}
/** IM data-centre hosts per region: the primary origin, and the backup \`*.my-imcloud.com\` origin where one is documented. */
export const regionHosts = ${JSON.stringify(hosts, null, 2)} as const satisfies Record<string, { readonly primary: string; readonly backup?: string }>;

export type Region = keyof typeof regionHosts;
export const regions = Object.keys(regionHosts) as Region[];
`;
}
