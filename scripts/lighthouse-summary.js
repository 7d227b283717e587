// Prints one line of scores for a Lighthouse JSON report and the audits that failed;
// exits 1 when a score is below the budget ("performance=0.95,seo=1").
const [file, budget, label] = process.argv.slice(2);
const report = JSON.parse(require("fs").readFileSync(file, "utf8"));
if (report.runtimeError) {
  console.log(`${label}: lighthouse error ${report.runtimeError.code}`);
  process.exit(1);
}
const scores = Object.fromEntries(
  Object.entries(report.categories).map(([k, v]) => [k, Math.round(v.score * 100)]),
);
console.log(`${label.padEnd(22)} ${Object.entries(scores).map(([k, v]) => `${k} ${v}`).join("  ")}`);
for (const [id, audit] of Object.entries(report.audits)) {
  if (audit.score !== null && audit.score < 1 && ["binary", "numeric"].includes(audit.scoreDisplayMode) && !id.endsWith("-insight")) {
    if (audit.scoreDisplayMode === "binary" || audit.score < 0.9) console.log(`    ${id}: ${audit.title}`);
  }
}
let below = false;
for (const pair of budget.split(",").filter(Boolean)) {
  const [name, min] = pair.split("=");
  if (!(scores[name] >= Number(min) * 100)) {
    console.log(`    below budget: ${name} ${scores[name]} < ${Number(min) * 100}`);
    below = true;
  }
}
process.exit(below ? 1 : 0);
