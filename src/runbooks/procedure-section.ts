/** Whether a runbook section is the scenario's own procedure ("Scenario B: Lock Contention"). */
export function inProcedure(section: string, procedure: string | undefined): boolean {
  return procedure !== undefined && section.toLowerCase().startsWith(procedure.toLowerCase());
}

/** A section that is some other incident's procedure ("Scenario B: …", "Scaling Procedure (If …)"). */
export function inOtherProcedure(section: string, procedure: string | undefined): boolean {
  return /^scenario\b|\(if\b/i.test(section) && !inProcedure(section, procedure);
}

/**
 * Sections whose steps every incident of the runbook goes through (triage, damage assessment), even
 * when worded as a branch ("Investigation Steps (If Not Deployment-Related)").
 */
const GENERAL_SECTION = /immediate|identify|assess|diagnos|investigat|check|triage/i;

/** Whether a section's steps apply to the scenario: its own procedure's, and every section that is not another incident's procedure. */
export function concernsScenario(section: string, procedure: string | undefined): boolean {
  return GENERAL_SECTION.test(section) || !inOtherProcedure(section, procedure);
}
