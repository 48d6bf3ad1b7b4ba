import { handleHealth } from "@/server/app/health";

export const dynamic = "force-dynamic";

export function GET(): Response {
  return handleHealth();
}
