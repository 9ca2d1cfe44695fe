/**
 * Lines as each Redis major prints them, each with the kind it must be classified as, or none.
 * Most are kept verbatim from real logs (2.8's `[pid]` format, 3.x's and 4.x's year-less one from
 * logs published with bug reports and tutorials; 7.0 from the redis-server 7.0.15 the contract
 * tier runs); the rest are written in that major's wording (its serverLog format string) where
 * no published log had the line: sentinel, crash, output-buffer and 2.8's replication lines.
 */
import type { RedisEventKind } from '../../../src/redis-log/events.js';

export type Fixture = [line: string, kind: RedisEventKind | undefined];

export const MAJORS: Record<string, { year: number; lines: Fixture[] }> = {
  '2.8': {
    year: 2015,
    lines: [
      ['[11529] 23 Mar 16:10:09.624 # Server started, Redis version 2.8.2', 'startup'],
      ["[11529] 23 Mar 16:10:09.624 # WARNING overcommit_memory is set to 0! Background save may fail under low memory condition. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.", undefined],
      ['[13499] 12 May 19:22:41.172 * The server is now ready to accept connections on port 6379', undefined],
      ['[13499] 12 May 19:30:01.003 * Background saving started by pid 13512', 'rdb-save-started'],
      ['[13512] 12 May 19:30:01.010 * DB saved on disk', undefined],
      ['[13499] 12 May 19:30:01.072 * Background saving terminated with success', 'rdb-save-finished'],
      ["[13499] 12 May 19:31:00.100 * SLAVE OF 10.0.0.5:6379 enabled (user request)", 'role-change'],
      ['[13499] 12 May 19:31:00.101 * Connecting to MASTER 10.0.0.5:6379', undefined],
      ['[13499] 12 May 19:31:00.102 * MASTER <-> SLAVE sync started', 'replica-sync-started'],
      ['[13499] 12 May 19:31:00.230 * MASTER <-> SLAVE sync: Finished with success', 'replica-sync-succeeded'],
      ['[13499] 12 May 19:40:00.000 # Received SIGTERM, scheduling shutdown...', undefined],
      ['[13499] 12 May 19:40:00.012 # Redis is now ready to exit, bye bye...', 'shutdown'],
    ],
  },
  '3.x': {
    year: 2016,
    lines: [
      ['28643:M 01 Jul 10:31:54.216 # Server started, Redis version 3.2.1', 'startup'],
      ['28643:M 01 Jul 10:31:54.216 # WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.', undefined],
      ["1:M 20 Mar 12:19:31.626 # WARNING you have Transparent Huge Pages (THP) support enabled in your kernel. This will create latency and memory usage issues with Redis. To fix this issue run the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled' as root, and add it to your /etc/rc.local in order to retain the setting after a reboot. Redis must be restarted after THP is disabled.", undefined],
      ['8:M 24 May 03:20:00.051 * Background append only file rewriting started by pid 31', 'aof-rewrite-started'],
      ['8:M 24 May 03:20:00.152 * Background AOF rewrite terminated with success', undefined],
      ['8:M 24 May 03:20:00.152 * Residual parent diff successfully flushed to the rewritten AOF (0.00 MB)', undefined],
      ['8:M 24 May 03:20:00.153 * Background AOF rewrite finished successfully', 'aof-rewrite-finished'],
      ['8:M 24 May 03:25:13.411 # Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.', 'latency-warning'],
      ['77:S 09 Jun 14:06:28.263 # Connection with master lost.', undefined],
      ['77:S 09 Jun 14:06:29.270 # Error condition on socket for SYNC: Connection refused', 'replica-sync-failed'],
      ['77:M 09 Jun 14:07:01.000 # Failover election won for epoch 12.', 'role-change'],
      ['29837:M 17 Dec 13:10:00.500 # Can\'t save in background: fork: Cannot allocate memory', 'rdb-save-failed'],
    ],
  },
  '4.x': {
    year: 2018,
    lines: [
      ['16057:C 11 Nov 15:13:01.232 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo', 'startup'],
      ['16057:C 11 Nov 15:13:01.232 # Redis version=4.0.9, bits=64, commit=00000000, modified=0, pid=16057, just started', undefined],
      ['16058:M 11 Nov 15:13:01.236 * Increased maximum number of open files to 10032 (it was originally set to 1024).', undefined],
      ['5078:C 11 Nov 15:14:24.315 * RDB: 6 MB of memory used by copy-on-write', undefined],
      ['5052:M 11 Nov 15:14:24.410 * Background saving terminated with success', 'rdb-save-finished'],
      ['5052:M 11 Nov 15:17:44.598 # Connection with slave 192.168.0.112:6379 lost.', undefined],
      ["6316:S 11 Nov 15:20:02.101 * SLAVE OF 192.168.0.111:6379 enabled (user request from 'id=3 addr=127.0.0.1:50612 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 multi=-1 qbuf=0 qbuf-free=32768 obl=0 oll=0 omem=0 events=r cmd=slaveof')", 'role-change'],
      ['6316:S 11 Nov 15:09:18.985 # User requested shutdown...', undefined],
      ['6316:S 11 Nov 15:09:18.991 # Redis is now ready to exit, bye bye...', 'shutdown'],
      ["6316:S 11 Nov 15:25:00.000 # CONFIG REWRITE executed with success.", 'config-rewrite'],
    ],
  },
  '5.x/6.x': {
    year: 2019,
    lines: [
      ['31771:S 06 Aug 2019 12:21:40.214 * MASTER <-> REPLICA sync started', 'replica-sync-started'],
      ['31771:S 06 Aug 2019 12:21:40.214 * Trying a partial resynchronization (request 668b25f85e84c5900e1032e4b5e1f038f01cfa49:5895).', undefined],
      ['31771:S 06 Aug 2019 12:21:40.215 * Full resync from master: c88cd043d66193e867929d9d5fadc952954371e5:0', undefined],
      ['31771:S 06 Aug 2019 12:21:40.241 * MASTER <-> REPLICA sync: Finished with success', 'replica-sync-succeeded'],
      ['31651:M 06 Aug 2019 11:08:40.802 * Starting BGSAVE for SYNC with target: disk', undefined],
      ['31651:M 06 Aug 2019 11:08:40.886 * Synchronization with replica 127.0.0.1:6381 succeeded', undefined],
      ['23024:S 06 Aug 2021 15:38:35.240 * Loading RDB produced by version 6.2.5', undefined],
      ['23024:S 06 Aug 2021 15:40:00.000 * Successful partial resynchronization with master.', 'replica-sync-succeeded'],
      ["1:M 06 Aug 2021 16:00:00.000 # Client id=8 addr=10.0.0.9:50012 laddr=10.0.0.2:6379 fd=9 name= age=3 idle=0 flags=P db=0 sub=0 psub=1 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 obl=0 oll=2000 omem=33554432 tot-mem=33575736 events=rw cmd=psubscribe user=default redir=-1 scheduled to be closed ASAP for overcoming of output buffer limits.", 'memory-warning'],
      ['1:X 06 Aug 2021 16:10:00.000 # +switch-master mymaster 10.0.0.2 6379 10.0.0.3 6379', 'role-change'],
      ['1:M 06 Aug 2021 16:20:00.000 # Redis 6.2.5 crashed by signal: 11, si_code: 0', 'crash'],
      ['1:M 06 Aug 2021 16:30:00.000 # Background AOF rewrite terminated with error', 'aof-rewrite-failed'],
    ],
  },
  '7.x': {
    year: 2026,
    lines: [
      ['7116:C 02 Dec 2026 07:37:43.029 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo', 'startup'],
      ["7116:M 02 Dec 2026 07:37:43.031 # WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. Being disabled, it can can also cause failures without low memory condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.", undefined],
      ['7116:M 02 Dec 2026 07:37:43.522 * Background saving started by pid 7137', 'rdb-save-started'],
      ['7137:C 02 Dec 2026 07:37:43.527 * Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB', undefined],
      ['7116:M 02 Dec 2026 07:37:44.034 * Background append only file rewriting started by pid 7140', 'aof-rewrite-started'],
      ['7140:C 02 Dec 2026 07:37:44.044 * Successfully created the temporary AOF base file temp-rewriteaof-bg-7140.aof', undefined],
      ['7116:M 02 Dec 2026 07:37:44.060 * Background AOF rewrite finished successfully', 'aof-rewrite-finished'],
      ["7117:S 02 Dec 2026 07:37:44.556 * REPLICAOF 127.0.0.1:17001 enabled (user request from 'id=3 addr=127.0.0.1:50898 laddr=127.0.0.1:17002 fd=7 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=45 qbuf-free=20429 argv-mem=23 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37679 events=r cmd=replicaof user=default redir=-1 resp=2')", 'role-change'],
      ['7117:S 02 Dec 2026 07:37:44.556 * REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.', undefined],
      ["7117:M 02 Dec 2026 07:37:46.624 * MASTER MODE enabled (user request from 'id=7 addr=127.0.0.1:50934 laddr=127.0.0.1:17002 fd=7 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=36 qbuf-free=20438 argv-mem=14 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37670 events=r cmd=replicaof user=default redir=-1 resp=2')", 'role-change'],
      ['7117:S 02 Dec 2026 07:37:46.084 # CONFIG REWRITE executed with success.', 'config-rewrite'],
      ['8339:S 02 Dec 2026 07:38:15.936 # Error condition on socket for SYNC: Connection refused', 'replica-sync-failed'],
      ['8476:C 02 Dec 2026 07:38:15.421 # Failed opening the temp RDB file temp-8476.rdb (in server root dir unknown) for saving: No such file or directory', undefined],
      ['8338:M 02 Dec 2026 07:38:15.496 # Background saving error', 'rdb-save-failed'],
      ['8338:M 02 Dec 2026 07:38:16.452 # WARNING: the new maxmemory value set via CONFIG SET (1) is smaller than the current memory usage (1063232). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.', 'memory-warning'],
      ['8338:signal-handler (1796197096) Received SIGTERM scheduling shutdown...', undefined],
      ['8338:M 02 Dec 2026 07:38:16.678 # User requested shutdown...', undefined],
      ['8338:M 02 Dec 2026 07:38:16.678 # Redis is now ready to exit, bye bye...', 'shutdown'],
    ],
  },
};
