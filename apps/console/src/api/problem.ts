/** An RFC 9457 problem, as every /v1 error answers. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code?: string;
  detail: string;
  errors?: { field: string; message: string; line?: number }[];
  [extra: string]: unknown;
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
  }

  get status(): number {
    return this.problem.status;
  }

  /** The message the API gave for one field (a dotted path such as `config.jwksUrl`), if any. */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message;
  }
}

export async function problemOf(response: Response, body?: unknown): Promise<ProblemError> {
  const parsed = body ?? (await response.json().catch(() => undefined));
  if (parsed && typeof parsed === 'object' && 'status' in parsed) return new ProblemError(parsed as Problem);
  return new ProblemError({ status: response.status, detail: `${response.status} ${response.statusText}` });
}

/** The message to show for any error. */
export function messageOf(error: unknown): string {
  if (error instanceof ProblemError) return error.problem.detail || error.message;
  return error instanceof Error ? error.message : String(error);
}
