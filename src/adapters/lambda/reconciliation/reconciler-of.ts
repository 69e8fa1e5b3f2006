import type { Container } from 'inversify';
import { ReconcileExecutionService } from '../../../app/index.js';

/** The reconciler, or an error that says what the container lacks (instead of inversify's). */
export function reconcilerOf(container: Container): ReconcileExecutionService {
  if (!container.isBound(ReconcileExecutionService)) {
    throw new Error('Reconciliation needs an execution inspector: pass `executionInspector` to createContainer');
  }
  return container.get(ReconcileExecutionService);
}
