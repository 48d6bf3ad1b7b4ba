import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { ObjectTimeline } from "@/components/timeline/ObjectTimeline";

export const metadata: Metadata = { title: "Object · Kubetrail" };

/**
 * One object's page: its hierarchy on a shared time axis with every change on it. The view —
 * relation mode, range, selected entry — is in the URL only (components/timeline/urlState.ts);
 * the data comes from objects.timeline and objects.entry (server/trpc/routers/objects.ts).
 */
export default async function ObjectPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // objects.id: a positive integer (a trace ID holds 48 bits of it).
  if (!/^[1-9]\d{0,14}$/.test(id)) notFound();
  return (
    <Suspense>
      <ObjectTimeline objectId={Number(id)} />
    </Suspense>
  );
}
