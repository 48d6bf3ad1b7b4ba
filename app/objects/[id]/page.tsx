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
  // objects.id: a positive integer; one past what JSON carries exactly (2^53) is the API's 400 to tell.
  if (!/^[1-9]\d{0,15}$/.test(id)) notFound();
  return (
    <Suspense>
      <ObjectTimeline objectId={Number(id)} />
    </Suspense>
  );
}
