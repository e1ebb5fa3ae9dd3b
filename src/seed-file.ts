import { readDocument, DocumentError } from './lib/documents.js';
import { checkSeed, SeedError, type Seed } from './domain/seed.js';

/** A seed file's problem, named by file and line. */
export class SeedFileError extends Error {}

/** Reads and checks a seed file (JSON or YAML); errors name the file, the line and the path. */
export function loadSeedFile(file: string): Seed {
  try {
    const document = readDocument(file);
    try {
      return checkSeed(document.value);
    } catch (error) {
      if (!(error instanceof SeedError)) throw error;
      const line = document.lineOf(error.path);
      throw new SeedFileError(`${file}${line === null ? '' : `:${line}`}: ${error.message}`);
    }
  } catch (error) {
    if (error instanceof DocumentError) throw new SeedFileError(error.message);
    throw error;
  }
}
