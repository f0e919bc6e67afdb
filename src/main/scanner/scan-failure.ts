// A scan that cannot be trusted to be complete: the caller stores nothing but the failure and its reason.
export class ScanFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanFailure';
  }
}
