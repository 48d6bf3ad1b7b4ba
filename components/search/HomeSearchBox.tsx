import styles from "./HomeSearchBox.module.css";

/** A name to search by, from the home page: a plain GET form to `/search?name=…` (works before any script runs). */
export function HomeSearchBox() {
  return (
    <form action="/search" method="get" role="search" aria-label="Find objects" className={styles.box}>
      <label htmlFor="home-search-name">Find objects by name</label>
      <input id="home-search-name" name="name" placeholder="apiserver or apiserver-*" maxLength={253} spellCheck={false} autoComplete="off" />
      <button type="submit">Search</button>
    </form>
  );
}
