import { describe, expect, it } from 'vitest';
import { boundValues, compileSqlTemplate, sqlTemplateProblem } from './sql-template';

describe('compileSqlTemplate', () => {
  it('turns placeholders into numbered parameters for PostgreSQL, one per distinct placeholder', () => {
    expect(compileSqlTemplate('SELECT password_hash FROM u WHERE username = ${username} OR name = ${username} AND cid = ${clientid}', 'postgresql')).toEqual({
      text: 'SELECT password_hash FROM u WHERE username = $1 OR name = $1 AND cid = $2',
      parameters: ['username', 'clientid'],
    });
  });

  it('turns placeholders into ? for MySQL, one per occurrence', () => {
    expect(compileSqlTemplate('SELECT password_hash FROM u WHERE username = ${username} OR name = ${username}', 'mysql')).toEqual({
      text: 'SELECT password_hash FROM u WHERE username = ? OR name = ?',
      parameters: ['username', 'username'],
    });
  });

  it('leaves quoted text, comments and PostgreSQL casts alone', () => {
    expect(compileSqlTemplate("SELECT 'a''$1?' AS x, \"Col\" FROM u WHERE name = ${username}::text /* note */ -- end", 'postgresql').text).toBe(
      "SELECT 'a''$1?' AS x, \"Col\" FROM u WHERE name = $1::text /* note */ -- end",
    );
    expect(compileSqlTemplate("SELECT 'it\\'s ?' AS x, `weird``name` FROM u WHERE name = ${username}", 'mysql').text).toBe(
      "SELECT 'it\\'s ?' AS x, `weird``name` FROM u WHERE name = ?",
    );
  });

  it('refuses placeholders that would be sent as literal text, and hand-written parameter markers', () => {
    expect(sqlTemplateProblem("SELECT 1 WHERE a = '${username}'", 'postgresql')).toMatch(/inside a quoted string/);
    expect(sqlTemplateProblem('SELECT 1 WHERE a = $$${username}$$', 'postgresql')).toMatch(/dollar-quoted/);
    expect(sqlTemplateProblem('SELECT 1 /* ${password} */', 'mysql')).toMatch(/inside a comment/);
    expect(sqlTemplateProblem('SELECT 1 WHERE a = $1', 'postgresql')).toMatch(/positional/);
    expect(sqlTemplateProblem('SELECT 1 WHERE a = ?', 'mysql')).toMatch(/\? parameters/);
    expect(sqlTemplateProblem("SELECT 1 WHERE a = 'open", 'mysql')).toMatch(/unterminated/);
    expect(sqlTemplateProblem('SELECT 1 WHERE a = ${nope}', 'mysql')).toMatch(/unknown placeholder/);
  });
});

describe('boundValues', () => {
  const credentials = { instanceId: 'i', clientId: 'c', username: "' OR 1=1 --", password: Buffer.from('p'), peerHost: '1.2.3.4', protocolVersion: 5 as const };

  it('gives the client values in parameter order, unchanged', () => {
    const query = compileSqlTemplate('SELECT 1 WHERE u = ${username} AND p = ${password} AND h = ${peerhost}', 'postgresql');
    expect(boundValues(query, credentials)).toEqual(["' OR 1=1 --", 'p', '1.2.3.4']);
  });

  it('is undefined when the client did not present a value the query binds', () => {
    expect(boundValues(compileSqlTemplate('SELECT 1 WHERE cn = ${cert_common_name}', 'mysql'), credentials)).toBeUndefined();
  });
});
