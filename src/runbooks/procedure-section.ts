/** Whether a runbook section is the scenario's own procedure ("Scenario B: Lock Contention"). */
export function inProcedure(section: string, procedure: string | undefined): boolean {
  return procedure !== undefined && section.toLowerCase().startsWith(procedure.toLowerCase());
}

/** A section that is some other incident's procedure ("Scenario B: …", "Scaling Procedure (If …)"). */
export function inOtherProcedure(section: string, procedure: string | undefined): boolean {
  return /^scenario\b|\(if\b/i.test(section) && !inProcedure(section, procedure);
}
