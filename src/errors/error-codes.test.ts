import { addErrorCodes, errorCodeTable, errorCodeTableOf, type ErrorCode } from './error-codes';
import { WardenError } from './warden-error';
import { moduleDeclarationList } from '../modules/declarations';

/** A code of a module composed beside the product's list (examples/hello-module declares one the same way). */
const extra = { name: 'extra', errorCodes: { EXTRA_REFUSED: { message: 'Extra refused this.', logLevel: 'warn' } } } as const;
const EXTRA_REFUSED = 'EXTRA_REFUSED' as string as ErrorCode;

describe('error codes of a module list (src/errors/error-codes.ts)', () => {
  test('the table from the product list is the default table; another list adds its codes with their owner', () => {
    expect(errorCodeTableOf(moduleDeclarationList)).toEqual(errorCodeTable);
    expect(errorCodeTableOf([...moduleDeclarationList, extra])).toContainEqual({
      code: 'EXTRA_REFUSED',
      module: 'extra',
      message: 'Extra refused this.',
      logLevel: 'warn',
    });
  });

  test('once the composition adds them (createServices), WardenError knows the code: its message and log level', () => {
    addErrorCodes([...moduleDeclarationList, extra]);
    const error = new WardenError(EXTRA_REFUSED);
    expect({ message: error.message, logLevel: error.logLevel }).toEqual({ message: 'Extra refused this.', logLevel: 'warn' });
    expect(new WardenError('BAD_USER_INPUT').message).toBe('The input is not valid.');
  });

  test('a code another module (or the core) already declares stops the start, naming both', () => {
    expect(() => addErrorCodes([{ name: 'other', errorCodes: { BAD_USER_INPUT: { message: 'x', logLevel: 'info' } } }])).toThrow(
      'error code BAD_USER_INPUT is declared by module core and by module other',
    );
    addErrorCodes([extra]);
    expect(() => addErrorCodes([{ name: 'third', errorCodes: { EXTRA_REFUSED: { message: 'y', logLevel: 'info' } } }])).toThrow(
      'error code EXTRA_REFUSED is declared by module extra and by module third',
    );
  });
});
