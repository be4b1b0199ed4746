/** What the checker reports. Kept apart so every module can name them without importing the checker. */

export interface SqlFinding {
  /**
   * `unchecked`: the statement could not be checked (it nests deeper than the parser can take), so
   * nothing is claimed about it either way.
   */
  kind: 'syntax' | 'unknown-table' | 'unknown-column' | 'unchecked';
  message: string;
  /** 1-based line within the checked SQL text. */
  line: number;
  /** 1-based column (in characters) within that line. */
  column: number;
}

/** A psql meta-command (`\d`, `\gset`, `\x`, …): psql's business, not SQL, so it is skipped. */
export interface PsqlCommand {
  text: string;
  /** 1-based line within the checked SQL text. */
  line: number;
}

export interface SqlCheck {
  /** Statements in the text (a piece that does not parse counts as one). */
  statements: number;
  /**
   * Every statement is a plain read-only SELECT (see `isReadOnlyStatement`) and the text is plain SQL
   * that parses: no psql meta-command or variable, so it can be sent to the server as it is.
   */
  readOnly: boolean;
  /** Every statement is read-only, psql's own syntax (meta-commands, variables) aside. */
  statementsReadOnly: boolean;
  /** psql meta-commands or variables (`:name`): the text is for psql, not for the server as it is. */
  usesPsql: boolean;
  findings: SqlFinding[];
  /** Relations referenced (CTE names excluded), in order of first reference. */
  tables: string[];
  /** The psql meta-commands skipped; absent when there are none. */
  psqlCommands?: PsqlCommand[];
}
