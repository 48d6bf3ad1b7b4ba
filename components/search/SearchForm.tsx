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
  // The chosen cluster's namespaces only: another cluster's would find nothing there.
  const namespaces = useQuery(trpc.search.namespaces.queryOptions(fields.cluster === "" ? {} : { cluster: fields.cluster }));
  const clusterNames = clusters.data?.map((cluster) => cluster.name) ?? [];
  // A cluster the URL names that the list lacks (unknown, or not loaded yet) is still shown as chosen.
  if (fields.cluster !== "" && !clusterNames.includes(fields.cluster)) clusterNames.unshift(fields.cluster);

  const clusterScoped = fields.scope === "cluster";
  const bind = (field: keyof SearchQuery) => ({ value: fields[field], onChange: (value: string) => setFields({ ...fields, [field]: value }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(fields);
  };

  return (
    <form className={styles.form} onSubmit={submit} role="search" aria-label="Search objects">
      <div className={styles.criteria}>
        <TextField label="Name" {...bind("name")} placeholder="apiserver or apiserver-*" maxLength={253} hint="Exact, or * for any run of characters" />
        <div className={styles.field}>
          <TextField label="Namespace" {...bind("namespace")} placeholder={clusterScoped ? "none: cluster-scoped" : "any"} maxLength={63} suggestions={namespaces.data} disabled={clusterScoped} />
          <label className={styles.check}>
            {/* Cluster-scoped objects have no namespace: the one typed is dropped. */}
            <input type="checkbox" checked={clusterScoped} onChange={(event) => setFields({ ...fields, scope: event.target.checked ? "cluster" : "", namespace: "" })} />
            Cluster-scoped objects only
          </label>
        </div>
        <TextField label="Kind" {...bind("kind")} placeholder="any, e.g. Pod" maxLength={63} suggestions={kinds.data} hint="Any case, or the plural: pod, Pod, pods" />
        <div className={styles.field}>
          <label htmlFor={`${id}-cluster`}>Cluster</label>
          <select id={`${id}-cluster`} value={fields.cluster} onChange={(event) => setFields({ ...fields, cluster: event.target.value })}>
            <option value="">Any cluster</option>
            {clusterNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <TextField label="User" {...bind("user")} placeholder="any, e.g. kube:admin" maxLength={512} hint="Who made a change, or impersonated who did" />
      </div>
      <fieldset className={styles.range}>
        <legend>Time range: ISO-8601 instants such as 2021-09-13T14:00:00Z; an empty end is open</legend>
        <TextField label="From" {...bind("from")} placeholder="open" maxLength={64} instant />
        <TextField label="To" {...bind("to")} placeholder="open" maxLength={64} instant />
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

/** A labelled text field, with a hint below it and suggestions (a datalist) when given. */
function TextField(props: { label: string; value: string; onChange: (value: string) => void; placeholder: string; maxLength: number; hint?: string; suggestions?: string[]; instant?: boolean; disabled?: boolean }) {
  const id = useId();
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className={props.instant ? styles.instant : undefined}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        placeholder={props.placeholder}
        maxLength={props.maxLength}
        list={props.suggestions ? `${id}-suggestions` : undefined}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        spellCheck={false}
        autoComplete="off"
        disabled={props.disabled}
      />
      {props.hint ? (
        <span id={`${id}-hint`} className={styles.hint}>
          {props.hint}
        </span>
      ) : null}
      {props.suggestions ? (
        <datalist id={`${id}-suggestions`}>
          {props.suggestions.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}
