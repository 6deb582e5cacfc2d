import { MemoryStorage } from './memory.ts';
import { storageContract } from './storage.contract.ts';

storageContract('MemoryStorage', (opts) => new MemoryStorage(opts));
