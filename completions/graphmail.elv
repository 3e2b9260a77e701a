
use builtin;
use str;

set edit:completion:arg-completer[graphmail] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'graphmail'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'graphmail'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand integration 'The tenant-level integration: tenant, app ID, credential'
            cand connector 'Incoming and outbound Graph connectors on shared mailboxes'
            cand route 'Incoming routes (address to process) and outgoing routes (alias From addresses)'
            cand test-connection 'Test the integration, a connector or a route: a pass rests on evidence'
            cand enable 'Set a tested connector or route live'
            cand disable 'Take a connector (and its routes) or a route out of service'
            cand status 'Everything at a glance, with what needs attention'
            cand plan 'What `apply` would change to match a desired-state file (touches nothing)'
            cand apply 'Converge the state to a desired-state file: create, test, enable what passes'
            cand export 'The current state as a desired-state file (secrets as their sources)'
            cand certificate 'Make a self-signed certificate for the app registration'
            cand mail 'Read and send mail through the connectors'
            cand scope 'Restrict the app to exactly the connectors'' mailboxes, and prove it'
            cand sandbox 'The local Entra ID + Graph emulator'
            cand demo 'Run the whole flow against the embedded sandbox'
            cand completion 'Print a shell completion script (connector and route names complete from the state file)'
            cand doctor 'Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry'
            cand token 'The access token this integration gets'
            cand history 'Every recorded connection test, newest first, with codes and request-ids'
            cand support 'What a support engineer needs, in one redacted archive'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;integration'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Create or change the integration; tests it before saving'
            cand show 'Show the integration and where its secret comes from'
            cand remove 'Remove the integration and its stored secrets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;integration;set'= {
            cand --tenant 'Tenant ID (GUID) or verified domain, e.g. contoso.onmicrosoft.com'
            cand --app-id 'Application (client) ID of the app registration'
            cand --client-secret-env 'Read the client secret from this environment variable at each run'
            cand --certificate 'Authenticate with this certificate (.pfx with its private key)'
            cand --certificate-password-env 'Read the certificate password from this environment variable at each run'
            cand --assertion 'JWT header form of the client assertion'
            cand --cloud 'Microsoft cloud'
            cand --authority-host 'Custom authority host (proxies, the sandbox), e.g. https://login.example'
            cand --graph-endpoint 'Custom Graph endpoint, e.g. https://graph.example'
            cand --ca-file 'An extra trusted root certificate (PEM): TLS-inspecting proxies, the sandbox'
            cand --secret-expires 'When the client secret expires (YYYY-MM-DD or RFC 3339), as Entra shows it; `doctor` warns 30 days ahead'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --client-secret-stdin 'Read the client secret from standard input and keep it in the OS keyring'
            cand --certificate-password-stdin 'Read the certificate password from standard input (kept in the OS keyring)'
            cand --no-certificate-password 'The certificate has no password'
            cand --skip-test 'Save without a connection test (shown as untested)'
            cand --disable 'When the change makes live connectors or routes fail their re-test, disable them instead of refusing'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;integration;show'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;integration;remove'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --cascade 'Also remove the connectors and routes that depend on it'
            cand --ignore-missing 'Exit 0 when there is nothing to remove, so a teardown can run twice'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;integration;help'= {
            cand set 'Create or change the integration; tests it before saving'
            cand show 'Show the integration and where its secret comes from'
            cand remove 'Remove the integration and its stored secrets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;integration;help;set'= {
        }
        &'graphmail;integration;help;show'= {
        }
        &'graphmail;integration;help;remove'= {
        }
        &'graphmail;integration;help;help'= {
        }
        &'graphmail;connector'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a connector (disabled until tested and enabled)'
            cand list 'List connectors'
            cand show 'Show one connector with its routes and last test'
            cand set 'Change a connector; a live one is re-tested in the same command'
            cand remove 'Remove a connector'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;connector;add'= {
            cand --use-for 'What the connector is used for'
            cand --address 'The shared mailbox''s primary address'
            cand --folder 'Folder path to read, e.g. Inbox/Support/EU (repeatable; incoming only)'
            cand --process 'The work-item type incoming mail becomes (incoming only)'
            cand --ai 'Turn on an AI feature (repeatable)'
            cand --no-ai 'Turn off an AI feature (repeatable)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --send-automated-emails 'Send automated emails'
            cand --no-send-automated-emails 'no-send-automated-emails'
            cand --test-mode 'Only create work in test mode'
            cand --no-test-mode 'no-test-mode'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;connector;list'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;connector;show'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;connector;set'= {
            cand --address 'New primary address'
            cand --folder 'Replace the folder list (repeatable)'
            cand --add-folder 'Add a folder path (repeatable)'
            cand --remove-folder 'Remove a folder path (repeatable)'
            cand --process 'The work-item type incoming mail becomes (incoming only)'
            cand --ai 'Turn on an AI feature (repeatable)'
            cand --no-ai 'Turn off an AI feature (repeatable)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --send-automated-emails 'Send automated emails'
            cand --no-send-automated-emails 'no-send-automated-emails'
            cand --test-mode 'Only create work in test mode'
            cand --no-test-mode 'no-test-mode'
            cand --disable 'If the change makes this live connector fail its re-test, disable it instead of refusing'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;connector;remove'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --cascade 'Also remove what depends on it'
            cand --ignore-missing 'Exit 0 when there is nothing to remove, so a teardown can run twice'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;connector;help'= {
            cand add 'Add a connector (disabled until tested and enabled)'
            cand list 'List connectors'
            cand show 'Show one connector with its routes and last test'
            cand set 'Change a connector; a live one is re-tested in the same command'
            cand remove 'Remove a connector'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;connector;help;add'= {
        }
        &'graphmail;connector;help;list'= {
        }
        &'graphmail;connector;help;show'= {
        }
        &'graphmail;connector;help;set'= {
        }
        &'graphmail;connector;help;remove'= {
        }
        &'graphmail;connector;help;help'= {
        }
        &'graphmail;route'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add an incoming route or an outgoing (alias) route'
            cand list 'List routes'
            cand show 'Show one route'
            cand set 'Change a route; a live one is re-tested in the same command'
            cand remove 'Remove a route (default routes go with their connector)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;route;add'= {
            cand --connector 'The connector this route belongs to'
            cand --address 'The address mail is sent to (incoming) or sent from (outgoing alias)'
            cand --description 'Description'
            cand --process 'The work-item type (incoming routes)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --send-automated-emails 'Send automated emails'
            cand --no-send-automated-emails 'no-send-automated-emails'
            cand --for-attention 'Mark work for attention'
            cand --no-for-attention 'no-for-attention'
            cand --test-mode 'Only create work in test mode'
            cand --no-test-mode 'no-test-mode'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;route;list'= {
            cand --connector 'Only the routes of this connector'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;route;show'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;route;set'= {
            cand --address 'New address'
            cand --description 'Description'
            cand --process 'The work-item type (incoming routes)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --send-automated-emails 'Send automated emails'
            cand --no-send-automated-emails 'no-send-automated-emails'
            cand --for-attention 'Mark work for attention'
            cand --no-for-attention 'no-for-attention'
            cand --test-mode 'Only create work in test mode'
            cand --no-test-mode 'no-test-mode'
            cand --disable 'If the change makes this live route fail its re-test, disable it instead of refusing'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;route;remove'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --ignore-missing 'Exit 0 when there is nothing to remove, so a teardown can run twice'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;route;help'= {
            cand add 'Add an incoming route or an outgoing (alias) route'
            cand list 'List routes'
            cand show 'Show one route'
            cand set 'Change a route; a live one is re-tested in the same command'
            cand remove 'Remove a route (default routes go with their connector)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;route;help;add'= {
        }
        &'graphmail;route;help;list'= {
        }
        &'graphmail;route;help;show'= {
        }
        &'graphmail;route;help;set'= {
        }
        &'graphmail;route;help;remove'= {
        }
        &'graphmail;route;help;help'= {
        }
        &'graphmail;test-connection'= {
            cand --send-test-to 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)'
            cand --max-age 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)'
            cand --timeout 'Seconds allowed per target'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --all 'Test the integration, every connector and every route, concurrently'
            cand --no-send 'Never send a probe: facts only a probe establishes stay unverified'
            cand --no-record 'Run and report without touching the state file or its directory'
            cand --probe-delivery 'Incoming routes: send a probe through an enabled outbound connector and find it'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand integration 'The integration: authority, token, permissions, scope (outside mailboxes recorded)'
            cand connector 'One connector'
            cand route 'One route'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;test-connection;integration'= {
            cand --send-test-to 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)'
            cand --max-age 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)'
            cand --timeout 'Seconds allowed per target'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-send 'Never send a probe: facts only a probe establishes stay unverified'
            cand --no-record 'Run and report without touching the state file or its directory'
            cand --probe-delivery 'Incoming routes: send a probe through an enabled outbound connector and find it'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;test-connection;connector'= {
            cand --send-test-to 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)'
            cand --max-age 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)'
            cand --timeout 'Seconds allowed per target'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-send 'Never send a probe: facts only a probe establishes stay unverified'
            cand --no-record 'Run and report without touching the state file or its directory'
            cand --probe-delivery 'Incoming routes: send a probe through an enabled outbound connector and find it'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;test-connection;route'= {
            cand --send-test-to 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)'
            cand --max-age 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)'
            cand --timeout 'Seconds allowed per target'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-send 'Never send a probe: facts only a probe establishes stay unverified'
            cand --no-record 'Run and report without touching the state file or its directory'
            cand --probe-delivery 'Incoming routes: send a probe through an enabled outbound connector and find it'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;test-connection;help'= {
            cand integration 'The integration: authority, token, permissions, scope (outside mailboxes recorded)'
            cand connector 'One connector'
            cand route 'One route'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;test-connection;help;integration'= {
        }
        &'graphmail;test-connection;help;connector'= {
        }
        &'graphmail;test-connection;help;route'= {
        }
        &'graphmail;test-connection;help;help'= {
        }
        &'graphmail;enable'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand connector 'A connector'
            cand route 'A route'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;enable;connector'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --with-routes 'Also re-enable (through the gate) the routes its disable switched off'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;enable;route'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;enable;help'= {
            cand connector 'A connector'
            cand route 'A route'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;enable;help;connector'= {
        }
        &'graphmail;enable;help;route'= {
        }
        &'graphmail;enable;help;help'= {
        }
        &'graphmail;disable'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand connector 'A connector'
            cand route 'A route'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;disable;connector'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;disable;route'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;disable;help'= {
            cand connector 'A connector'
            cand route 'A route'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;disable;help;connector'= {
        }
        &'graphmail;disable;help;route'= {
        }
        &'graphmail;disable;help;help'= {
        }
        &'graphmail;status'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --check 'Exit 4 when anything enabled cannot be trusted (no valid passing test)'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;plan'= {
            cand -f 'The desired-state file (`-` for standard input)'
            cand --file 'The desired-state file (`-` for standard input)'
            cand --max-age 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --exit-code 'Exit 5 when there are changes, 0 when there are none (drift detection)'
            cand --refresh 'Re-test live items (nothing recorded, no probe sent): a live item that no longer passes is drift'
            cand --prune 'Also show the removal of what the file does not declare'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;apply'= {
            cand -f 'The desired-state file (`-` for standard input)'
            cand --file 'The desired-state file (`-` for standard input)'
            cand --max-age 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)'
            cand --timeout 'Seconds allowed per target'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --prune 'Remove connectors and routes the file does not declare (live ones need --yes or a confirmation)'
            cand --disable-failing 'A changed live item that fails its test is saved disabled instead of keeping its old settings'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;export'= {
            cand -o 'Write the desired-state file here instead of standard output'
            cand --output-file 'Write the desired-state file here instead of standard output'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;certificate'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand new 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;certificate;new'= {
            cand --subject 'Subject common name'
            cand --days 'Days of validity'
            cand --out-dir 'Folder to write <name>.pfx, <name>.cer and <name>.pem into'
            cand --name 'Base name of the files'
            cand --password-env 'Read the PFX password from this environment variable'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --password-stdin 'Read the PFX password from standard input'
            cand --force 'Overwrite existing files'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;certificate;help'= {
            cand new 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;certificate;help;new'= {
        }
        &'graphmail;certificate;help;help'= {
        }
        &'graphmail;mail'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand peek 'Read-only: recent mail of an incoming connector and the route each would take'
            cand send 'Send through an outbound connector or an outgoing (alias) route'
            cand folders 'The mailbox''s folder tree with total and unread counts, marking the folders the connector reads'
            cand watch 'Follow an incoming connector''s folders (delta) and print each new message with its route, until Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;mail;peek'= {
            cand --connector 'The incoming connector'
            cand --folder 'Only this folder (default: the connector''s folders)'
            cand --limit 'Newest messages shown per folder (1-10000)'
            cand --page-size 'Messages per Graph page (`$top`, 1-1000; default: the limit, at most 1000)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --unread 'Only unread messages'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;mail;send'= {
            cand --from '`route:NAME`, `connector:NAME`, or a bare name when unambiguous'
            cand --to 'Recipient (repeatable)'
            cand --cc 'Copy recipient (repeatable)'
            cand --bcc 'Blind copy recipient (repeatable)'
            cand --subject 'The subject line'
            cand --body 'Body text'
            cand --body-file 'Read the body from a file (`-` for stdin)'
            cand --attach 'Attach a file, up to 150 MB (repeatable); large ones go through an upload session'
            cand --verify-timeout 'How long --verify-sent waits for the Sent Items copy, in seconds'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --html 'The body is HTML'
            cand --verify-sent 'Confirm the message reached the sending mailbox''s Sent Items'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;mail;folders'= {
            cand --connector 'The connector whose mailbox to show'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;mail;watch'= {
            cand --connector 'The incoming connector'
            cand --folder 'Only this folder (default: the connector''s folders)'
            cand --interval 'Seconds between looks (1-3600)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --once 'Print what arrived since the saved position, save the new one, and exit'
            cand --from-start 'With no saved position, print what the folders hold first (default: start from now)'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;mail;help'= {
            cand peek 'Read-only: recent mail of an incoming connector and the route each would take'
            cand send 'Send through an outbound connector or an outgoing (alias) route'
            cand folders 'The mailbox''s folder tree with total and unread counts, marking the folders the connector reads'
            cand watch 'Follow an incoming connector''s folders (delta) and print each new message with its route, until Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;mail;help;peek'= {
        }
        &'graphmail;mail;help;send'= {
        }
        &'graphmail;mail;help;folders'= {
        }
        &'graphmail;mail;help;watch'= {
        }
        &'graphmail;mail;help;help'= {
        }
        &'graphmail;scope'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Record how the app is restricted and which mailboxes must stay out of its reach'
            cand show 'Show what `scope set` recorded'
            cand plan 'Print Exchange Online PowerShell that scopes the app to exactly the connectors'' mailboxes'
            cand check 'Prove it: the connectors'' mailboxes answer, the outside ones refuse'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;scope;set'= {
            cand --mechanism 'The mechanism the admin uses (required the first time)'
            cand --outside 'A mailbox the app must NOT reach (repeat; replaces the recorded list)'
            cand --own-mailbox 'An outgoing route''s address that is a mailbox of its own, not another address of its connector''s mailbox (repeat; replaces the recorded list)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-outside 'Forget the recorded outside mailboxes'
            cand --no-own-mailbox 'Forget the recorded own mailboxes (every alias is a proxy address again)'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;scope;show'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;scope;plan'= {
            cand --mechanism 'The mechanism to plan for (default: the recorded one)'
            cand --group 'Scope through a mail-enabled security group of this name (RBAC: one group per role set, NAME-incoming and NAME-outbound)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --exact 'Remove group members that are not configured mailboxes (default: list them)'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;scope;check'= {
            cand --outside 'Also prove this mailbox is refused (repeat; adds to the recorded ones)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;scope;help'= {
            cand set 'Record how the app is restricted and which mailboxes must stay out of its reach'
            cand show 'Show what `scope set` recorded'
            cand plan 'Print Exchange Online PowerShell that scopes the app to exactly the connectors'' mailboxes'
            cand check 'Prove it: the connectors'' mailboxes answer, the outside ones refuse'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;scope;help;set'= {
        }
        &'graphmail;scope;help;show'= {
        }
        &'graphmail;scope;help;plan'= {
        }
        &'graphmail;scope;help;check'= {
        }
        &'graphmail;scope;help;help'= {
        }
        &'graphmail;sandbox'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve the emulator; prints one JSON line with its endpoints and test credentials'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;sandbox;serve'= {
            cand --listen 'Address to listen on (loopback)'
            cand --seed 'Seed file (TOML) with tenants, apps, mailboxes, policies and faults'
            cand --output-dir 'Keep the generated certificates and CA in this folder (default: a temp folder removed on exit)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --tls 'Serve HTTPS with a generated CA (its path is in the ready line)'
            cand --allow-non-loopback 'Allow a --listen address that is not loopback (the sandbox has no real security)'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;sandbox;help'= {
            cand serve 'Serve the emulator; prints one JSON line with its endpoints and test credentials'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;sandbox;help;serve'= {
        }
        &'graphmail;sandbox;help;help'= {
        }
        &'graphmail;demo'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --keep 'Keep the demo''s state folder and print its path'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;completion'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --static 'The self-contained script (as in completions/): commands and options, but no connector or route names'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;doctor'= {
            cand --timeout 'Seconds allowed per check (the network checks run concurrently)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;token'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand inspect 'Get a token as a connection test does and show its claims (never the token)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;token;inspect'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;token;help'= {
            cand inspect 'Get a token as a connection test does and show its claims (never the token)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;token;help;inspect'= {
        }
        &'graphmail;token;help;help'= {
        }
        &'graphmail;history'= {
            cand --since 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)'
            cand --limit 'At most this many runs, the newest'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand integration 'The integration''s runs'
            cand connector 'One connector''s runs'
            cand route 'One route''s runs'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;history;integration'= {
            cand --since 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)'
            cand --limit 'At most this many runs, the newest'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;history;connector'= {
            cand --since 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)'
            cand --limit 'At most this many runs, the newest'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;history;route'= {
            cand --since 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)'
            cand --limit 'At most this many runs, the newest'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;history;help'= {
            cand integration 'The integration''s runs'
            cand connector 'One connector''s runs'
            cand route 'One route''s runs'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;history;help;integration'= {
        }
        &'graphmail;history;help;connector'= {
        }
        &'graphmail;history;help;route'= {
        }
        &'graphmail;history;help;help'= {
        }
        &'graphmail;support'= {
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand bundle 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;support;bundle'= {
            cand -o 'Where to write the archive (default: graphmail-support-<UTC time>.tar.gz or .zip, here)'
            cand --out 'Where to write the archive (default: graphmail-support-<UTC time>.tar.gz or .zip, here)'
            cand --state 'The state file (env: GRAPHMAIL_STATE)'
            cand --output 'Output format'
            cand --color 'When to colour output'
            cand --zip 'A .zip instead of a .tar.gz'
            cand --redact-addresses 'Replace mailbox addresses by stable placeholders (mailbox-1@redacted.invalid, ...)'
            cand --no-input 'Never prompt (implied without a terminal or when CI is set)'
            cand -y 'Confirm destructive actions without asking'
            cand --yes 'Confirm destructive actions without asking'
            cand -v 'More detail on stderr: -v each request, -vv also its headers'
            cand --verbose 'More detail on stderr: -v each request, -vv also its headers'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'graphmail;support;help'= {
            cand bundle 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;support;help;bundle'= {
        }
        &'graphmail;support;help;help'= {
        }
        &'graphmail;help'= {
            cand integration 'The tenant-level integration: tenant, app ID, credential'
            cand connector 'Incoming and outbound Graph connectors on shared mailboxes'
            cand route 'Incoming routes (address to process) and outgoing routes (alias From addresses)'
            cand test-connection 'Test the integration, a connector or a route: a pass rests on evidence'
            cand enable 'Set a tested connector or route live'
            cand disable 'Take a connector (and its routes) or a route out of service'
            cand status 'Everything at a glance, with what needs attention'
            cand plan 'What `apply` would change to match a desired-state file (touches nothing)'
            cand apply 'Converge the state to a desired-state file: create, test, enable what passes'
            cand export 'The current state as a desired-state file (secrets as their sources)'
            cand certificate 'Make a self-signed certificate for the app registration'
            cand mail 'Read and send mail through the connectors'
            cand scope 'Restrict the app to exactly the connectors'' mailboxes, and prove it'
            cand sandbox 'The local Entra ID + Graph emulator'
            cand demo 'Run the whole flow against the embedded sandbox'
            cand completion 'Print a shell completion script (connector and route names complete from the state file)'
            cand doctor 'Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry'
            cand token 'The access token this integration gets'
            cand history 'Every recorded connection test, newest first, with codes and request-ids'
            cand support 'What a support engineer needs, in one redacted archive'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'graphmail;help;integration'= {
            cand set 'Create or change the integration; tests it before saving'
            cand show 'Show the integration and where its secret comes from'
            cand remove 'Remove the integration and its stored secrets'
        }
        &'graphmail;help;integration;set'= {
        }
        &'graphmail;help;integration;show'= {
        }
        &'graphmail;help;integration;remove'= {
        }
        &'graphmail;help;connector'= {
            cand add 'Add a connector (disabled until tested and enabled)'
            cand list 'List connectors'
            cand show 'Show one connector with its routes and last test'
            cand set 'Change a connector; a live one is re-tested in the same command'
            cand remove 'Remove a connector'
        }
        &'graphmail;help;connector;add'= {
        }
        &'graphmail;help;connector;list'= {
        }
        &'graphmail;help;connector;show'= {
        }
        &'graphmail;help;connector;set'= {
        }
        &'graphmail;help;connector;remove'= {
        }
        &'graphmail;help;route'= {
            cand add 'Add an incoming route or an outgoing (alias) route'
            cand list 'List routes'
            cand show 'Show one route'
            cand set 'Change a route; a live one is re-tested in the same command'
            cand remove 'Remove a route (default routes go with their connector)'
        }
        &'graphmail;help;route;add'= {
        }
        &'graphmail;help;route;list'= {
        }
        &'graphmail;help;route;show'= {
        }
        &'graphmail;help;route;set'= {
        }
        &'graphmail;help;route;remove'= {
        }
        &'graphmail;help;test-connection'= {
            cand integration 'The integration: authority, token, permissions, scope (outside mailboxes recorded)'
            cand connector 'One connector'
            cand route 'One route'
        }
        &'graphmail;help;test-connection;integration'= {
        }
        &'graphmail;help;test-connection;connector'= {
        }
        &'graphmail;help;test-connection;route'= {
        }
        &'graphmail;help;enable'= {
            cand connector 'A connector'
            cand route 'A route'
        }
        &'graphmail;help;enable;connector'= {
        }
        &'graphmail;help;enable;route'= {
        }
        &'graphmail;help;disable'= {
            cand connector 'A connector'
            cand route 'A route'
        }
        &'graphmail;help;disable;connector'= {
        }
        &'graphmail;help;disable;route'= {
        }
        &'graphmail;help;status'= {
        }
        &'graphmail;help;plan'= {
        }
        &'graphmail;help;apply'= {
        }
        &'graphmail;help;export'= {
        }
        &'graphmail;help;certificate'= {
            cand new 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra'
        }
        &'graphmail;help;certificate;new'= {
        }
        &'graphmail;help;mail'= {
            cand peek 'Read-only: recent mail of an incoming connector and the route each would take'
            cand send 'Send through an outbound connector or an outgoing (alias) route'
            cand folders 'The mailbox''s folder tree with total and unread counts, marking the folders the connector reads'
            cand watch 'Follow an incoming connector''s folders (delta) and print each new message with its route, until Ctrl-C'
        }
        &'graphmail;help;mail;peek'= {
        }
        &'graphmail;help;mail;send'= {
        }
        &'graphmail;help;mail;folders'= {
        }
        &'graphmail;help;mail;watch'= {
        }
        &'graphmail;help;scope'= {
            cand set 'Record how the app is restricted and which mailboxes must stay out of its reach'
            cand show 'Show what `scope set` recorded'
            cand plan 'Print Exchange Online PowerShell that scopes the app to exactly the connectors'' mailboxes'
            cand check 'Prove it: the connectors'' mailboxes answer, the outside ones refuse'
        }
        &'graphmail;help;scope;set'= {
        }
        &'graphmail;help;scope;show'= {
        }
        &'graphmail;help;scope;plan'= {
        }
        &'graphmail;help;scope;check'= {
        }
        &'graphmail;help;sandbox'= {
            cand serve 'Serve the emulator; prints one JSON line with its endpoints and test credentials'
        }
        &'graphmail;help;sandbox;serve'= {
        }
        &'graphmail;help;demo'= {
        }
        &'graphmail;help;completion'= {
        }
        &'graphmail;help;doctor'= {
        }
        &'graphmail;help;token'= {
            cand inspect 'Get a token as a connection test does and show its claims (never the token)'
        }
        &'graphmail;help;token;inspect'= {
        }
        &'graphmail;help;history'= {
            cand integration 'The integration''s runs'
            cand connector 'One connector''s runs'
            cand route 'One route''s runs'
        }
        &'graphmail;help;history;integration'= {
        }
        &'graphmail;help;history;connector'= {
        }
        &'graphmail;help;history;route'= {
        }
        &'graphmail;help;support'= {
            cand bundle 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log'
        }
        &'graphmail;help;support;bundle'= {
        }
        &'graphmail;help;help'= {
        }
    ]
    $completions[$command]
}
