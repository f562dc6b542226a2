// A small typed client of ose-api, and a CI gate: every request and answer below is typed
// by `schema.d.ts`, which `npm run generate` derives from the committed
// openapi/openapi.json. If the document and the server disagree, either `tsc` or one of
// the checks below fails, and the program exits non-zero.
//
//   OSE_API_URL=http://127.0.0.1:8080 OSE_API_TOKEN=<buyer token> node dist/demo.js

import { randomUUID } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type NewTender = components["schemas"]["NewTender"];
type SkillLevel = components["schemas"]["SkillLevel"];

// The levels from lowest to highest, as the `min_level` parameter describes them. The
// two checks make `tsc` fail if this list and the document's enum ever differ.
const LEVELS = ["practitioner", "expert", "contributor", "maintainer"] as const satisfies readonly SkillLevel[];
const levelsCoverTheEnum: [Exclude<SkillLevel, (typeof LEVELS)[number]>] extends [never] ? true : false = true;
void levelsCoverTheEnum;

// The `type` URIs the document gives for the problems this program provokes.
const VALIDATION_PROBLEM = "urn:ose-api:problem:validation"; // components.responses.ValidationFailed
const NOT_FOUND_PROBLEM = "about:blank"; // components.responses.NotFound

class GateFailure extends Error {}

function fail(message: string): never {
  throw new GateFailure(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") fail(`${name} is not set`);
  return value;
}

/** Describes an answer the gate did not expect, with the problem the server sent if any. */
function unexpected(what: string, response: Response, problem?: Problem): string {
  const body = problem === undefined ? "" : `: ${JSON.stringify(problem)}`;
  return `${what}: unexpected answer ${response.status} ${response.statusText}${body}`;
}

/** Checks the parts of a problem that every error of the API shares. */
function checkProblem(problem: Problem, response: Response, status: number, type: string): void {
  check(response.status === status, unexpected(`expected ${status}`, response, problem));
  const contentType = response.headers.get("content-type") ?? "";
  check(
    contentType.startsWith("application/problem+json"),
    `a ${status} answer should be application/problem+json, got "${contentType}"`,
  );
  check(problem.status === status, `problem.status is ${problem.status}, the HTTP status ${status}`);
  check(problem.type === type, `problem.type is "${problem.type}", the document says "${type}"`);
  check(problem.title.trim() !== "", "problem.title is empty");
  check(problem.detail.trim() !== "", "problem.detail is empty");
}

async function main(): Promise<void> {
  const baseUrl = requireEnv("OSE_API_URL").replace(/\/+$/, "");
  const token = requireEnv("OSE_API_TOKEN");

  const anonymous = createClient<paths>({ baseUrl });
  const buyer = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

  // 1. Search the directory anonymously: partners contributing to PostgreSQL or more.
  const minLevel: SkillLevel = "contributor";
  const search = await anonymous.GET("/api/v1/partners", {
    params: { query: { skill: ["postgresql"], min_level: minLevel } },
  });
  if (search.error !== undefined) fail(unexpected("GET /api/v1/partners", search.response, search.error));
  const partners = search.data.items;
  check(partners.length > 0, "GET /api/v1/partners?skill=postgresql&min_level=contributor found nobody");
  for (const partner of partners) {
    const held = partner.skills.find((s) => s.skill === "postgresql");
    check(
      held !== undefined && LEVELS.indexOf(held.level) >= LEVELS.indexOf(minLevel),
      `${partner.name} does not hold postgresql at ${minLevel} or above: ${JSON.stringify(partner.skills)}`,
    );
  }
  console.log(`1. partners holding postgresql at ${minLevel} or above: ${partners.map((p) => p.name).join(", ")}`);

  // 2. Draft a tender as the buyer; its buyer_id comes from the token.
  const deadline = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const draft: NewTender = {
    reference: `TS-CLIENT-${Date.now()}`,
    title: "Support for the open source database estate",
    description: "Drafted by the TypeScript client gate.",
    procedure: "open",
    currency: "EUR",
    estimated_value_minor: 120_000_000,
    submission_deadline: deadline.toISOString(),
    lots: [
      {
        title: "PostgreSQL support",
        estimated_value_minor: 120_000_000,
        required_skills: [{ skill: "postgresql", min_level: "contributor", weight: 8 }],
      },
    ],
  };
  const created = await buyer.POST("/api/v1/tenders", { body: draft });
  if (created.error !== undefined) fail(unexpected("POST /api/v1/tenders", created.response, created.error));
  const tender = created.data;
  check(created.response.status === 201, unexpected("POST /api/v1/tenders expected 201", created.response));
  check(tender.status === "draft", `the new tender's status is "${tender.status}", not "draft"`);
  check(tender.reference === draft.reference, `the new tender's reference is "${tender.reference}"`);
  check(tender.currency === "EUR", `the new tender's currency is "${tender.currency}"`);
  check(
    Date.parse(tender.submission_deadline) === deadline.getTime(),
    `the deadline sent was ${draft.submission_deadline}, the server answered ${tender.submission_deadline}`,
  );
  const required = tender.lots[0]?.required_skills[0];
  check(
    tender.lots.length === 1 &&
      required !== undefined &&
      required.skill === "postgresql" &&
      required.min_level === "contributor" &&
      required.weight === 8,
    `the new tender's lots differ from those sent: ${JSON.stringify(tender.lots)}`,
  );
  console.log(`2. draft tender ${tender.id} (${tender.reference}), status ${tender.status}`);

  // 3a. A blank title is refused with 422 and one entry per invalid field.
  const refused = await buyer.POST("/api/v1/tenders", {
    body: { ...draft, reference: `${draft.reference}-BLANK`, title: "   " },
  });
  if (refused.error === undefined) fail(`a tender with a blank title was accepted: ${JSON.stringify(refused.data)}`);
  const invalid = refused.error;
  checkProblem(invalid, refused.response, 422, VALIDATION_PROBLEM);
  const fields = invalid.errors ?? [];
  const onTitle = fields.find((field) => field.pointer === "#/title");
  check(onTitle !== undefined, `no error points at #/title: ${JSON.stringify(invalid)}`);
  console.log(
    `3. blank title: ${invalid.status} ${invalid.type} "${invalid.title}": ${invalid.detail}; ` +
      fields.map((field) => `${field.pointer ?? field.parameter ?? "?"} ${field.code} (${field.detail})`).join("; "),
  );

  // 3b. An unknown tender is 404, with the same problem shape.
  const missingId = randomUUID();
  const missing = await anonymous.GET("/api/v1/tenders/{id}", { params: { path: { id: missingId } } });
  if (missing.error === undefined) fail(`GET /api/v1/tenders/${missingId} found ${JSON.stringify(missing.data)}`);
  checkProblem(missing.error, missing.response, 404, NOT_FOUND_PROBLEM);
  console.log(`   unknown tender: ${missing.error.status} ${missing.error.type} "${missing.error.title}": ${missing.error.detail}`);

  // 4. The public transparency report and the key that signs the ledger's checkpoints;
  //    the buyer's own ledger transactions (its contracts' payments).
  const report = await anonymous.GET("/api/v1/reports/transparency", { params: { query: { currency: "EUR" } } });
  if (report.error !== undefined) fail(unexpected("GET /api/v1/reports/transparency", report.response, report.error));
  const totals = report.data.totals;
  const credited = report.data.projects.reduce((sum, project) => sum + project.credited_minor, 0);
  check(report.data.currency === "EUR", `the report is in ${report.data.currency}, not the EUR asked for`);
  check(credited === totals.upstream_minor, `projects are credited ${credited} in all, the totals say ${totals.upstream_minor}`);
  const key = await anonymous.GET("/api/v1/ledger/public-key");
  if (key.error !== undefined) fail(unexpected("GET /api/v1/ledger/public-key", key.response, key.error));
  check(key.data.algorithm === "Ed25519", `the ledger key is ${key.data.algorithm}, not Ed25519`);
  const own = await buyer.GET("/api/v1/ledger/transactions", { params: { query: { limit: 10 } } });
  if (own.error !== undefined) fail(unexpected("GET /api/v1/ledger/transactions", own.response, own.error));
  console.log(
    `4. transparency: ${totals.paid_minor} EUR minor units paid, ${totals.upstream_minor} upstream ` +
      `(${totals.upstream_bps} bps) over ${report.data.projects.length} projects; ledger key ${key.data.public_key}; ` +
      `${own.data.items.length} transaction(s) on the buyer's contracts`,
  );

  console.log("the TypeScript client agrees with the server");
}

main().catch((err: unknown) => {
  if (err instanceof GateFailure) {
    console.error(`TypeScript client gate FAILED: ${err.message}`);
  } else {
    const url = process.env["OSE_API_URL"] ?? "";
    console.error(`TypeScript client gate FAILED with an unexpected error (is the server up at ${url}?):`, err);
  }
  process.exitCode = 1;
});
