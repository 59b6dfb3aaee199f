/** Page object for the lab: what a person sees and clicks, by test id. */
import { expect, type Page } from './test';

export const TINY = {
  method: 'supervised',
  model: 'tiny',
  batchSize: 8,
  steps: 6,
  seed: 3,
  backend: 'webgpu',
  logEvery: 2,
  evalEvery: 3,
  dataset: { size: 256 },
  probe: { trainSize: 32, testSize: 16, k: 5, dense: false },
};

export class LabPage {
  constructor(readonly page: Page) {}

  async open(config?: object): Promise<void> {
    const hash = config ? `#config=${encodeURIComponent(JSON.stringify(config))}` : '';
    await this.page.goto(`/${hash}`);
    await expect(this.page.getByTestId('backend-name')).not.toBeEmpty();
  }

  backendName() {
    return this.page.getByTestId('backend-name');
  }
  status() {
    return this.page.getByTestId('status');
  }
  async run(): Promise<void> {
    await this.page.getByTestId('run-button').click();
  }
  async waitForStatus(status: string, timeout = 180_000): Promise<void> {
    await expect(this.status()).toHaveText(status, { timeout });
  }
  async flopsPerStep(): Promise<number> {
    const el = this.page.getByTestId('flops-per-step');
    await expect(el).toHaveAttribute('data-value', /^[1-9]\d*$/);
    return Number(await el.getAttribute('data-value'));
  }
  async accuracyPoints(): Promise<number> {
    return Number(await this.page.getByTestId('accuracy-chart').getAttribute('data-points'));
  }
}
