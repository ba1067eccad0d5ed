#!/usr/bin/env python3
# The npm registry reachable here serves no binaries for other platforms (darwin, win32, …), so
# npm writes a lockfile without their optional entries and then `npm ci` calls it out of sync.
# This adds those entries, scoped by os/cpu/libc so npm skips them on this platform.
# Usage, after any `npm install`: python3 infra/tools/complete-lockfile.py package-lock.json
import json, re, sys
path = sys.argv[1]
lock = json.load(open(path))
pkgs = lock['packages']
def platform(name):
    n = name.split('/')[-1]
    os_ = next((o for o in ['darwin','win32','linux','freebsd','openbsd','openharmony','android','sunos','aix','netbsd'] if o in n), None)
    cpu = None
    for c in ['arm64','x64','ia32','arm','ppc64','s390x','riscv64','loong64','mips64el','wasm32']:
        if re.search(r'(^|-)'+c+r'($|-)', n.replace('gnueabihf','').replace('musleabihf','')):
            cpu = c; break
    if cpu is None and 'arm-' in n: cpu = 'arm'
    libc = 'musl' if 'musl' in n else ('glibc' if ('gnu' in n and os_ == 'linux') else None)
    return os_, cpu, libc
added = []
for key, meta in list(pkgs.items()):
    for dep, spec in (meta.get('optionalDependencies') or {}).items():
        base = key + '/node_modules/' + dep if key else 'node_modules/' + dep
        top = 'node_modules/' + dep
        if base in pkgs or top in pkgs: continue
        if not re.match(r'^\d+\.\d+\.\d+', spec): continue
        os_, cpu, libc = platform(dep)
        if os_ is None or (os_ == 'linux' and cpu in ('x64',) and libc in ('glibc', None)): continue
        entry = {'version': spec, 'optional': True}
        if cpu: entry['cpu'] = [cpu]
        entry['os'] = [os_]
        if libc: entry['libc'] = [libc]
        pkgs[top] = entry
        added.append((top, spec, os_, cpu, libc))
lock['packages'] = dict(sorted(pkgs.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(path, 'w'), indent=2)
open(path, 'a').write('\n')
for a in added: print(*a)
