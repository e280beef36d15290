/** @module bench/lib/bodies — the maximal ALL IN ONE create_topic body: every field at its UTF-8 byte limit. */
import { requestRules } from "../../generated/request-rules.js";

/** create_topic's UTF-8 byte limits, per field, from the generated rules. */
const limits = Object.fromEntries(
  Object.entries(requestRules.createTopic.fields).flatMap(([name, rule]) => ("maxBytes" in rule ? [[name, rule.maxBytes]] : [])),
) as Record<"GroupId" | "TopicId" | "TopicName" | "CustomString" | "FaceUrl" | "Notification" | "Introduction", number>;

/** `bytes` UTF-8 bytes: `unit` repeated, padded with ASCII. */
function fill(unit: string, bytes: number): string {
  const unitBytes = new TextEncoder().encode(unit).length;
  const n = Math.floor(bytes / unitBytes);
  return unit.repeat(n) + "x".repeat(bytes - n * unitBytes);
}

export function maximalCreateBody(): Record<string, string> {
  const groupId = "@TGS#_" + fill("G", limits.GroupId - 6); // printable ASCII
  const body: Record<string, string> = {
    GroupId: groupId,
    TopicId: groupId + "@TOPIC#_" + fill("t", limits.TopicId - limits.GroupId - 8),
    TopicName: fill("话", limits.TopicName), // CJK: 3 bytes each
    From_Account: fill("u", 32),
    CustomString: fill("custom string, ", limits.CustomString), // ASCII: the longest string to walk
    FaceUrl: "https://example.com/" + fill("f", limits.FaceUrl - 20),
    Notification: fill("公告", limits.Notification), // CJK
    Introduction: fill("😀", limits.Introduction), // astral: surrogate pairs, 4 bytes each
  };
  for (const [field, limit] of Object.entries(limits)) {
    if (new TextEncoder().encode(body[field]).length !== limit) throw new Error(`maximal body: ${field} is not at its limit`);
  }
  return body;
}
