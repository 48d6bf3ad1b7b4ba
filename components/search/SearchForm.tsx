"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { QUICK_RANGES, quickRangeOf } from "./quickRanges";
import { EMPTY_SEARCH, type SearchQuery } from "./searchQuery";
import styles from "./SearchForm.module.css";

/**
 * The search's fields, filled from the URL's search (`query`); submitting or picking a quick
 * range hands the new search to `onSearch`, which puts it in the URL. Keyed by the URL, so
 * that back and forward refill it.
 */
export function SearchForm({ query, onSearch }: { query: SearchQuery; onSearch: (query: SearchQuery) => void }) {
  const trpc = useTRPC();
  const [fields, setFields] = useState<SearchQuery>(query);
  const id = useId();
  // The choices: few rows, read through an index each (server/query/kinds.ts, namespaces.ts).
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const kinds = useQuery(trpc.search.kinds.queryOptions());
  const namespaces = useQuery(trpc.search.namespaces.queryOptions());
  const clusterNames = clusters.data?.map((cluster) => cluster.name) ?? [];
  // A cluster the URL names that the list lacks (unknown, or not loaded yet) is still shown as chosen.
  if (fields.cluster !== "" && !clusterNames.includes(fields.cluster)) clusterNames.unshift(fields.cluster);

  const set = (field: keyof SearchQuery) => (event: { target: { value: string } }) => setFields({ ...fields, [field]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(fields);
  };

  return (
    <form className={styles.form} onSubmit={submit} role="search" aria-label="Search objects">
      <div className={styles.criteria}>
        <div className={styles.field}>
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={fields.name} onChange={set("name")} placeholder="apiserver or apiserver-*" maxLength={253} spellCheck={false} autoComplete="off" aria-describedby={`${id}-name-hint`} />
          <span id={`${id}-name-hint`} className={styles.hint}>Exact, or * for any run of characters</span>
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-namespace`}>Namespace</label>
          <input id={`${id}-namespace`} value={fields.namespace} onChange={set("namespace")} list={`${id}-namespaces`} placeholder="any" maxLength={63} spellCheck={false} autoComplete="off" />
          <datalist id={`${id}-namespaces`}>
            {namespaces.data?.map((namespace) => <option key={namespace} value={namespace} />)}
          </datalist>
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-kind`}>Kind</label>
          <input id={`${id}-kind`} value={fields.kind} onChange={set("kind")} list={`${id}-kinds`} placeholder="any, e.g. Pod" maxLength={63} spellCheck={false} autoComplete="off" />
          <datalist id={`${id}-kinds`}>
            {kinds.data?.map((kind) => <option key={kind} value={kind} />)}
          </datalist>
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-cluster`}>Cluster</label>
          <select id={`${id}-cluster`} value={fields.cluster} onChange={set("cluster")}>
            <option value="">Any cluster</option>
            {clusterNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-user`}>User</label>
          <input id={`${id}-user`} value={fields.user} onChange={set("user")} placeholder="any, e.g. kube:admin" maxLength={512} spellCheck={false} autoComplete="off" aria-describedby={`${id}-user-hint`} />
          <span id={`${id}-user-hint`} className={styles.hint}>Who made a change, or impersonated who did</span>
        </div>
      </div>
      <fieldset className={styles.range}>
        <legend>Time range: ISO-8601 instants such as 2021-09-13T14:00:00Z; an empty end is open</legend>
        <div className={styles.field}>
          <label htmlFor={`${id}-from`}>From</label>
          <input id={`${id}-from`} className={styles.instant} value={fields.from} onChange={set("from")} placeholder="open" spellCheck={false} autoComplete="off" />
        </div>
        <div className={styles.field}>
          <label htmlFor={`${id}-to`}>To</label>
          <input id={`${id}-to`} className={styles.instant} value={fields.to} onChange={set("to")} placeholder="open" spellCheck={false} autoComplete="off" />
        </div>
        <div className={styles.quick} role="group" aria-label="Quick ranges">
          {QUICK_RANGES.map((range) => (
            <button key={range.label} type="button" onClick={() => onSearch({ ...fields, ...quickRangeOf(range.span, Date.now()) })}>
              {range.label}
            </button>
          ))}
        </div>
      </fieldset>
      <div className={styles.actions}>
        <button type="submit" className={styles.primary}>
          Search
        </button>
        <button type="button" onClick={() => onSearch(EMPTY_SEARCH)}>
          Clear
        </button>
      </div>
    </form>
  );
}
