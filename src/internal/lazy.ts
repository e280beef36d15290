/**
 * @module lazy — a part loaded on first use (a dynamic `import()`): one load shared by every caller while it is under
 * way or done, and forgotten if it fails (a chunk that did not arrive, a browser gone offline), so the next use loads
 * again rather than failing for the life of the page.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      const current = (loading = load());
      current.catch(() => loading === current && (loading = undefined));
    }
    return loading;
  };
}
