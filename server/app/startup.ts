import { getAppContext } from "./context";

/** Builds the app context at server start; exits with the reason when it can't. */
export async function startKubetrail(): Promise<void> {
  try {
    await getAppContext();
  } catch (error) {
    console.error(`kubetrail: cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
}
