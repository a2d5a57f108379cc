/** Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters and MySQL's packet limit. */
export const INSERT_CHUNK = 500;

export function chunk<T>(items: T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
