# Drive an interactive zsh in a pty, type "$1" and TAB, print the completion candidates (one per
# line), from directory $2. compadd is wrapped to print what the completion functions add (the
# zsh-capture-completion trick). `deploytool` must be on PATH.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "cd ${(q)2}; autoload -U compinit; compinit -u -D"
zpty -w z 'eval "$(deploytool completion zsh)"'
zpty -w z 'cap_setup() { comppostfuncs=( cap_finish ); compadd() { local -A o; zparseopts -E -A o O: A: D:; builtin compadd "$@" 2>/dev/null; [[ -n $o[-O]$o[-A]$o[-D] ]] && return; local -a a; builtin compadd -O a "$@"; print -l -- "<<"$^a; } }; compprefuncs=( cap_setup ); cap_finish() { print "<<""END"; exit }'
zpty -w z $1$'\t'
zpty -r z out '*<<END*'
for line in ${(f)out}; do
  line=${line//$'\r'/}
  [[ $line == *"<<"* && $line != *"<<END"* && $line != *'"<<"'* ]] && print -r -- ${line##*<<}
done
zpty -d z
