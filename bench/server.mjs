// @ts-check
/**
 * @module bench/server — the loopback IM stand-in for the benchmarks. It runs in a worker thread (started by
 * bench/lib/server.ts) so that it has its own event loop and, on a 2-core machine, its own core: the clients under test
 * keep the main thread to themselves, and the main thread's busy time is the client's cost alone.
 *
 * It answers POST /v4/million_group_open_http_svc/create_topic and …/get_topic with the spec's example bodies (passed
 * in by the main thread, which reads them from openapi/openapi.yaml), serialised once. Keep-alive is on, with idle
 * timeouts far above the length of a run, so no contender pays for reconnects the others do not.
 *
 * Two modes, switched by a message from the main thread:
 *  - fast (the default, used while timing): route on the path, drain the body, write the prepared answer;
 *  - verify (used once per contender before timing): also parse the query and the JSON body and verify the UserSig
 *    (undo the URL-safe base64, inflate, check sdkappid/identifier/expiry, recompute the HMAC), and record every problem.
 * In both modes it counts requests per command, so the main thread can prove no contender made hidden extra requests.
 */
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { inflateSync } from "node:zlib";
import { parentPort, workerData } from "node:worker_threads";

/** @type {{ sdkAppId: number, identifier: string, secretKey: string, answers: Record<string, string> }} */
const config = workerData;
const PREFIX = "/v4/million_group_open_http_svc/";

/** command → prepared answer */
const answers = new Map(
  Object.entries(config.answers).map(([command, json]) => [command, Buffer.from(json, "utf8")]),
);
/** @type {Record<string, number>} */
let counts = {};
/** @type {string[]} */
let problems = [];
let verify = false;

/** @param {string} usersig @returns {string | undefined} the problem, if any */
function checkUserSig(usersig) {
  if (!/^[A-Za-z0-9*_-]+$/.test(usersig)) return "usersig has characters outside [A-Za-z0-9*_-]";
  let doc;
  try {
    const b64 = usersig.replace(/_/g, "=").replace(/-/g, "/").replace(/\*/g, "+");
    doc = JSON.parse(inflateSync(Buffer.from(b64, "base64")).toString("utf8"));
  } catch (error) {
    return `usersig does not decode (base64 → zlib → JSON): ${error instanceof Error ? error.message : String(error)}`;
  }
  if (doc["TLS.ver"] !== "2.0") return `TLS.ver is ${JSON.stringify(doc["TLS.ver"])}`;
  if (Number(doc["TLS.sdkappid"]) !== config.sdkAppId) return `TLS.sdkappid is ${doc["TLS.sdkappid"]}`;
  if (String(doc["TLS.identifier"]) !== config.identifier) return `TLS.identifier is ${doc["TLS.identifier"]}`;
  const time = Number(doc["TLS.time"]);
  const expire = Number(doc["TLS.expire"]);
  if (!(time > 0) || !(expire > 0)) return "TLS.time/TLS.expire missing";
  if (Date.now() / 1000 > time + expire) return "usersig expired";
  const toSign =
    `TLS.identifier:${doc["TLS.identifier"]}\nTLS.sdkappid:${doc["TLS.sdkappid"]}\n` +
    `TLS.time:${doc["TLS.time"]}\nTLS.expire:${doc["TLS.expire"]}\n`;
  const expected = createHmac("sha256", config.secretKey).update(toSign).digest();
  const actual = Buffer.from(String(doc["TLS.sig"] ?? ""), "base64");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return "TLS.sig does not match";
  return undefined;
}

/** @param {string} url @param {string} body @returns {string[]} */
function checkRequest(url, body) {
  const found = [];
  const query = new URLSearchParams(url.slice(url.indexOf("?") + 1));
  if (Number(query.get("sdkappid")) !== config.sdkAppId) found.push(`sdkappid=${query.get("sdkappid")}`);
  if (query.get("identifier") !== config.identifier) found.push(`identifier=${query.get("identifier")}`);
  if (query.get("contenttype") !== "json") found.push(`contenttype=${query.get("contenttype")}`);
  const random = query.get("random");
  if (random === null || !/^\d+$/.test(random) || Number(random) > 4294967295) found.push(`random=${random}`);
  const usersig = query.get("usersig");
  if (usersig === null) found.push("usersig missing");
  else {
    const problem = checkUserSig(usersig);
    if (problem) found.push(problem);
  }
  try {
    const parsed = JSON.parse(body);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) found.push("body is not a JSON object");
  } catch {
    found.push("body is not JSON");
  }
  return found;
}

const server = createServer({ keepAlive: true, keepAliveTimeout: 120_000, noDelay: true }, (req, res) => {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const command = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : "";
  const answer = req.method === "POST" ? answers.get(command) : undefined;
  counts[command || path] = (counts[command || path] ?? 0) + 1;

  const respond = () => {
    if (answer === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      if (verify) problems.push(`${req.method} ${path}: no such command`);
      return;
    }
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": answer.length });
    res.end(answer);
  };

  if (!verify) {
    req.on("end", respond);
    req.resume();
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const type = req.headers["content-type"] ?? "";
    const found = checkRequest(url, body);
    if (!type.startsWith("application/json")) found.push(`content-type=${type}`);
    for (const p of found) problems.push(`${command}: ${p}`);
    respond();
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  parentPort?.postMessage({ type: "listening", port: address.port });
});

parentPort?.on("message", (/** @type {{ type: string, on?: boolean }} */ message) => {
  switch (message.type) {
    case "verify":
      verify = Boolean(message.on);
      parentPort?.postMessage({ type: "ok" });
      break;
    case "stats":
      parentPort?.postMessage({ type: "stats", counts, problems });
      counts = {};
      problems = [];
      break;
    case "close":
      server.closeAllConnections();
      server.close(() => parentPort?.postMessage({ type: "closed" }));
      break;
  }
});
