/**
 * The one PostgreSQL client type of Herald's public API: the single method the PostgreSQL
 * stores (schema registry, replay window) call. A `pg.Pool` or `pg.Client` fits; typed here so
 * that Herald's types do not need `@types/pg`.
 */
export interface PgClient {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ readonly rows: readonly unknown[]; readonly rowCount: number | null }>;
}
