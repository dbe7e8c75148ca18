import { InMemoryLedger } from '../../lambdas/adapters/in-memory-ledger.js';
import { describeLedgerContract } from '../support/ledger-contract.js';

describeLedgerContract('InMemoryLedger', (clock) => new InMemoryLedger({ clock }));
