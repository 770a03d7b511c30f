export default async function globalSetup(): Promise<void> {
  // placeholder: replaced by the dev-stack global setup
}
