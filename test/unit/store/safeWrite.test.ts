import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../../src/shared/errors';
import { withRevertStack } from '../../../src/engine/store/revertStack';
import { safeUnlink, safeWriteFile } from '../../../src/engine/store/safeWrite';
import { listDir, PlannedFailure, useTempDir } from '../../support/store/tempDir';

describe('safe writes', () => {
  const tmp = useTempDir('safe-write');
  const target = () => path.join(tmp.dir, 'file.txt');
  const read = () => fs.readFileSync(target(), 'utf8');
  const rejectsPlanned = (promise: Promise<unknown>) => assert.rejects(promise, PlannedFailure);

  it('rejects a helper affix that contains a path separator, or temp and backup affixes that are equal', async () => {
    await assert.rejects(safeWriteFile(target(), 'x', { tempSuffix: '/tmp' }), InvalidInputError);
    await assert.rejects(safeWriteFile(target(), 'x', { backupSuffix: '.tmp' }), InvalidInputError);
    assert.deepEqual(listDir(tmp.dir), []);
  });

  it('writes text to a new file and leaves nothing else', async () => {
    await safeWriteFile(target(), 'héllo\nworld\n');
    assert.equal(read(), 'héllo\nworld\n');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('overwrites an existing file without a revert stack and leaves nothing else', async () => {
    fs.writeFileSync(target(), 'old content that is longer');
    await safeWriteFile(target(), 'new');
    assert.equal(read(), 'new');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('restores the old content when the unit fails after an overwrite, and removes the backup', async () => {
    fs.writeFileSync(target(), 'old');
    await rejectsPlanned(
      withRevertStack(async (rs) => {
        await safeWriteFile(target(), 'new', { rstack: rs });
        assert.equal(read(), 'new');
        throw new PlannedFailure();
      }),
    );
    assert.equal(read(), 'old');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('deletes a newly written file when the unit fails', async () => {
    await rejectsPlanned(
      withRevertStack(async (rs) => {
        await safeWriteFile(target(), 'new', { rstack: rs });
        throw new PlannedFailure();
      }),
    );
    assert.deepEqual(listDir(tmp.dir), []);
  });

  it('leaves the original intact and removes the temp when producing the content throws', async () => {
    fs.writeFileSync(target(), 'old');
    function* chunks() {
      yield 'partial ';
      throw new PlannedFailure();
    }
    await rejectsPlanned(safeWriteFile(target(), chunks()));
    assert.equal(read(), 'old');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('writes bytes exactly, without encoding or newline translation', async () => {
    const bytes = new Uint8Array([0, 255, 13, 10, 13, 0xc3, 0x28]);
    await safeWriteFile(target(), bytes);
    assert.deepEqual(new Uint8Array(fs.readFileSync(target())), bytes);
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('restores the old bytes when the unit fails after a binary overwrite', async () => {
    const old = new Uint8Array([1, 2, 3, 0, 255]);
    fs.writeFileSync(target(), old);
    await rejectsPlanned(
      withRevertStack(async (rs) => {
        await safeWriteFile(target(), new Uint8Array([9, 9]), { rstack: rs });
        throw new PlannedFailure();
      }),
    );
    assert.deepEqual(new Uint8Array(fs.readFileSync(target())), old);
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('uses a custom backup prefix and suffix and still restores and cleans up', async () => {
    fs.writeFileSync(target(), 'old');
    await rejectsPlanned(
      withRevertStack(async (rs) => {
        await safeWriteFile(target(), 'new', { rstack: rs, backupPrefix: 'myBackup_', backupSuffix: '.old' });
        const backups = listDir(tmp.dir).filter((name) => /^myBackup_file\.txt\.old\.[0-9a-f]{12}$/.test(name));
        assert.equal(backups.length, 1);
        throw new PlannedFailure();
      }),
    );
    assert.equal(read(), 'old');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('creates a missing file when appending without a revert stack', async () => {
    await safeWriteFile(target(), 'appended', { append: true });
    assert.equal(read(), 'appended');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('appends to an existing file without a revert stack', async () => {
    fs.writeFileSync(target(), 'old\n');
    await safeWriteFile(target(), 'new\n', { append: true });
    assert.equal(read(), 'old\nnew\n');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('restores the original text when the unit fails after an append', async () => {
    fs.writeFileSync(target(), 'old\n');
    await rejectsPlanned(
      withRevertStack(async (rs) => {
        await safeWriteFile(target(), 'new\n', { rstack: rs, append: true });
        assert.equal(read(), 'old\nnew\n');
        throw new PlannedFailure();
      }),
    );
    assert.equal(read(), 'old\n');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  it('removes a file created by an append when the unit fails', async () => {
    await rejectsPlanned(
      withRevertStack(async (rs) => {
        await safeWriteFile(target(), 'new\n', { rstack: rs, append: true });
        throw new PlannedFailure();
      }),
    );
    assert.deepEqual(listDir(tmp.dir), []);
  });

  it('leaves the original intact and removes the temp when producing appended content throws', async () => {
    fs.writeFileSync(target(), 'old\n');
    async function* chunks() {
      yield 'new\n';
      throw new PlannedFailure();
    }
    await rejectsPlanned(safeWriteFile(target(), chunks(), { append: true }));
    assert.equal(read(), 'old\n');
    assert.deepEqual(listDir(tmp.dir), ['file.txt']);
  });

  describe('revertible delete', () => {
    it('moves an existing file aside and deletes it when the unit succeeds', async () => {
      fs.writeFileSync(target(), 'old');
      let placeholder: string | null = null;
      await withRevertStack(async (rs) => {
        placeholder = await safeUnlink(target(), rs, false);
        assert.equal(fs.existsSync(target()), false);
      });
      assert.match(path.basename(String(placeholder)), /^file\.txt\.del\.[0-9a-f]{12}$/);
      assert.equal(fs.existsSync(target()), false);
      assert.deepEqual(listDir(tmp.dir), []);
    });

    it('returns null for a missing file when missing is allowed', async () => {
      const result = await withRevertStack((rs) => safeUnlink(target(), rs, true));
      assert.equal(result, null);
      assert.deepEqual(listDir(tmp.dir), []);
    });

    it('rejects with a file-not-found error for a missing file when missing is not allowed', async () => {
      await assert.rejects(
        withRevertStack((rs) => safeUnlink(target(), rs, false)),
        (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
      );
      assert.deepEqual(listDir(tmp.dir), []);
    });

    it('restores the file with its content when the unit fails after the delete', async () => {
      fs.writeFileSync(target(), 'old');
      await rejectsPlanned(
        withRevertStack(async (rs) => {
          await safeUnlink(target(), rs, false);
          throw new PlannedFailure();
        }),
      );
      assert.equal(read(), 'old');
      assert.deepEqual(listDir(tmp.dir), ['file.txt']);
    });

    it('does nothing on revert when the file was missing', async () => {
      let result: string | null = 'unset';
      await rejectsPlanned(
        withRevertStack(async (rs) => {
          result = await safeUnlink(target(), rs, true);
          throw new PlannedFailure();
        }),
      );
      assert.equal(result, null);
      assert.deepEqual(listDir(tmp.dir), []);
    });
  });
});
