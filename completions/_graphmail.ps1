
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'graphmail' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'graphmail'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'graphmail' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The tenant-level integration: tenant, app ID, credential')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'Incoming and outbound Graph connectors on shared mailboxes')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Incoming routes (address to process) and outgoing routes (alias From addresses)')
            [CompletionResult]::new('test-connection', 'test-connection', [CompletionResultType]::ParameterValue, 'Test the integration, a connector or a route: a pass rests on evidence')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Set a tested connector or route live')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Take a connector (and its routes) or a route out of service')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Everything at a glance, with what needs attention')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'What `apply` would change to match a desired-state file (touches nothing)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Converge the state to a desired-state file: create, test, enable what passes')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'The current state as a desired-state file (secrets as their sources)')
            [CompletionResult]::new('certificate', 'certificate', [CompletionResultType]::ParameterValue, 'Make a self-signed certificate for the app registration')
            [CompletionResult]::new('mail', 'mail', [CompletionResultType]::ParameterValue, 'Read and send mail through the connectors')
            [CompletionResult]::new('scope', 'scope', [CompletionResultType]::ParameterValue, 'Restrict the app to exactly the connectors'' mailboxes, and prove it')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'The local Entra ID + Graph emulator')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole flow against the embedded sandbox')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (connector and route names complete from the state file)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'The access token this integration gets')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Every recorded connection test, newest first, with codes and request-ids')
            [CompletionResult]::new('support', 'support', [CompletionResultType]::ParameterValue, 'What a support engineer needs, in one redacted archive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;integration' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Create or change the integration; tests it before saving')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the integration and where its secret comes from')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove the integration and its stored secrets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;integration;set' {
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant ID (GUID) or verified domain, e.g. contoso.onmicrosoft.com')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'Application (client) ID of the app registration')
            [CompletionResult]::new('--client-secret-env', '--client-secret-env', [CompletionResultType]::ParameterName, 'Read the client secret from this environment variable at each run')
            [CompletionResult]::new('--certificate', '--certificate', [CompletionResultType]::ParameterName, 'Authenticate with this certificate (.pfx with its private key)')
            [CompletionResult]::new('--certificate-password-env', '--certificate-password-env', [CompletionResultType]::ParameterName, 'Read the certificate password from this environment variable at each run')
            [CompletionResult]::new('--assertion', '--assertion', [CompletionResultType]::ParameterName, 'JWT header form of the client assertion')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'Microsoft cloud')
            [CompletionResult]::new('--authority-host', '--authority-host', [CompletionResultType]::ParameterName, 'Custom authority host (proxies, the sandbox), e.g. https://login.example')
            [CompletionResult]::new('--graph-endpoint', '--graph-endpoint', [CompletionResultType]::ParameterName, 'Custom Graph endpoint, e.g. https://graph.example')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'An extra trusted root certificate (PEM): TLS-inspecting proxies, the sandbox')
            [CompletionResult]::new('--secret-expires', '--secret-expires', [CompletionResultType]::ParameterName, 'When the client secret expires (YYYY-MM-DD or RFC 3339), as Entra shows it; `doctor` warns 30 days ahead')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--client-secret-stdin', '--client-secret-stdin', [CompletionResultType]::ParameterName, 'Read the client secret from standard input and keep it in the OS keyring')
            [CompletionResult]::new('--certificate-password-stdin', '--certificate-password-stdin', [CompletionResultType]::ParameterName, 'Read the certificate password from standard input (kept in the OS keyring)')
            [CompletionResult]::new('--no-certificate-password', '--no-certificate-password', [CompletionResultType]::ParameterName, 'The certificate has no password')
            [CompletionResult]::new('--skip-test', '--skip-test', [CompletionResultType]::ParameterName, 'Save without a connection test (shown as untested)')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'When the change makes live connectors or routes fail their re-test, disable them instead of refusing')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;integration;show' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;integration;remove' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--cascade', '--cascade', [CompletionResultType]::ParameterName, 'Also remove the connectors and routes that depend on it')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Exit 0 when there is nothing to remove, so a teardown can run twice')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;integration;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Create or change the integration; tests it before saving')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the integration and where its secret comes from')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove the integration and its stored secrets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;integration;help;set' {
            break
        }
        'graphmail;integration;help;show' {
            break
        }
        'graphmail;integration;help;remove' {
            break
        }
        'graphmail;integration;help;help' {
            break
        }
        'graphmail;connector' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a connector (disabled until tested and enabled)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List connectors')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one connector with its routes and last test')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change a connector; a live one is re-tested in the same command')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a connector')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;connector;add' {
            [CompletionResult]::new('--use-for', '--use-for', [CompletionResultType]::ParameterName, 'What the connector is used for')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'The shared mailbox''s primary address')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Folder path to read, e.g. Inbox/Support/EU (repeatable; incoming only)')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'The work-item type incoming mail becomes (incoming only)')
            [CompletionResult]::new('--ai', '--ai', [CompletionResultType]::ParameterName, 'Turn on an AI feature (repeatable)')
            [CompletionResult]::new('--no-ai', '--no-ai', [CompletionResultType]::ParameterName, 'Turn off an AI feature (repeatable)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--send-automated-emails', '--send-automated-emails', [CompletionResultType]::ParameterName, 'Send automated emails')
            [CompletionResult]::new('--no-send-automated-emails', '--no-send-automated-emails', [CompletionResultType]::ParameterName, 'no-send-automated-emails')
            [CompletionResult]::new('--test-mode', '--test-mode', [CompletionResultType]::ParameterName, 'Only create work in test mode')
            [CompletionResult]::new('--no-test-mode', '--no-test-mode', [CompletionResultType]::ParameterName, 'no-test-mode')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;connector;list' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;connector;show' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;connector;set' {
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'New primary address')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Replace the folder list (repeatable)')
            [CompletionResult]::new('--add-folder', '--add-folder', [CompletionResultType]::ParameterName, 'Add a folder path (repeatable)')
            [CompletionResult]::new('--remove-folder', '--remove-folder', [CompletionResultType]::ParameterName, 'Remove a folder path (repeatable)')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'The work-item type incoming mail becomes (incoming only)')
            [CompletionResult]::new('--ai', '--ai', [CompletionResultType]::ParameterName, 'Turn on an AI feature (repeatable)')
            [CompletionResult]::new('--no-ai', '--no-ai', [CompletionResultType]::ParameterName, 'Turn off an AI feature (repeatable)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--send-automated-emails', '--send-automated-emails', [CompletionResultType]::ParameterName, 'Send automated emails')
            [CompletionResult]::new('--no-send-automated-emails', '--no-send-automated-emails', [CompletionResultType]::ParameterName, 'no-send-automated-emails')
            [CompletionResult]::new('--test-mode', '--test-mode', [CompletionResultType]::ParameterName, 'Only create work in test mode')
            [CompletionResult]::new('--no-test-mode', '--no-test-mode', [CompletionResultType]::ParameterName, 'no-test-mode')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'If the change makes this live connector fail its re-test, disable it instead of refusing')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;connector;remove' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--cascade', '--cascade', [CompletionResultType]::ParameterName, 'Also remove what depends on it')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Exit 0 when there is nothing to remove, so a teardown can run twice')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;connector;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a connector (disabled until tested and enabled)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List connectors')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one connector with its routes and last test')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change a connector; a live one is re-tested in the same command')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a connector')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;connector;help;add' {
            break
        }
        'graphmail;connector;help;list' {
            break
        }
        'graphmail;connector;help;show' {
            break
        }
        'graphmail;connector;help;set' {
            break
        }
        'graphmail;connector;help;remove' {
            break
        }
        'graphmail;connector;help;help' {
            break
        }
        'graphmail;route' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an incoming route or an outgoing (alias) route')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List routes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one route')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change a route; a live one is re-tested in the same command')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a route (default routes go with their connector)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;route;add' {
            [CompletionResult]::new('--connector', '--connector', [CompletionResultType]::ParameterName, 'The connector this route belongs to')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'The address mail is sent to (incoming) or sent from (outgoing alias)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'The work-item type (incoming routes)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--send-automated-emails', '--send-automated-emails', [CompletionResultType]::ParameterName, 'Send automated emails')
            [CompletionResult]::new('--no-send-automated-emails', '--no-send-automated-emails', [CompletionResultType]::ParameterName, 'no-send-automated-emails')
            [CompletionResult]::new('--for-attention', '--for-attention', [CompletionResultType]::ParameterName, 'Mark work for attention')
            [CompletionResult]::new('--no-for-attention', '--no-for-attention', [CompletionResultType]::ParameterName, 'no-for-attention')
            [CompletionResult]::new('--test-mode', '--test-mode', [CompletionResultType]::ParameterName, 'Only create work in test mode')
            [CompletionResult]::new('--no-test-mode', '--no-test-mode', [CompletionResultType]::ParameterName, 'no-test-mode')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;route;list' {
            [CompletionResult]::new('--connector', '--connector', [CompletionResultType]::ParameterName, 'Only the routes of this connector')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;route;show' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;route;set' {
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'New address')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'The work-item type (incoming routes)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--send-automated-emails', '--send-automated-emails', [CompletionResultType]::ParameterName, 'Send automated emails')
            [CompletionResult]::new('--no-send-automated-emails', '--no-send-automated-emails', [CompletionResultType]::ParameterName, 'no-send-automated-emails')
            [CompletionResult]::new('--for-attention', '--for-attention', [CompletionResultType]::ParameterName, 'Mark work for attention')
            [CompletionResult]::new('--no-for-attention', '--no-for-attention', [CompletionResultType]::ParameterName, 'no-for-attention')
            [CompletionResult]::new('--test-mode', '--test-mode', [CompletionResultType]::ParameterName, 'Only create work in test mode')
            [CompletionResult]::new('--no-test-mode', '--no-test-mode', [CompletionResultType]::ParameterName, 'no-test-mode')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'If the change makes this live route fail its re-test, disable it instead of refusing')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;route;remove' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Exit 0 when there is nothing to remove, so a teardown can run twice')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;route;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an incoming route or an outgoing (alias) route')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List routes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one route')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change a route; a live one is re-tested in the same command')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a route (default routes go with their connector)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;route;help;add' {
            break
        }
        'graphmail;route;help;list' {
            break
        }
        'graphmail;route;help;show' {
            break
        }
        'graphmail;route;help;set' {
            break
        }
        'graphmail;route;help;remove' {
            break
        }
        'graphmail;route;help;help' {
            break
        }
        'graphmail;test-connection' {
            [CompletionResult]::new('--send-test-to', '--send-test-to', [CompletionResultType]::ParameterName, 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per target')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Test the integration, every connector and every route, concurrently')
            [CompletionResult]::new('--no-send', '--no-send', [CompletionResultType]::ParameterName, 'Never send a probe: facts only a probe establishes stay unverified')
            [CompletionResult]::new('--no-record', '--no-record', [CompletionResultType]::ParameterName, 'Run and report without touching the state file or its directory')
            [CompletionResult]::new('--probe-delivery', '--probe-delivery', [CompletionResultType]::ParameterName, 'Incoming routes: send a probe through an enabled outbound connector and find it')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The integration: authority, token, permissions, scope (outside mailboxes recorded)')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'One connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'One route')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;test-connection;integration' {
            [CompletionResult]::new('--send-test-to', '--send-test-to', [CompletionResultType]::ParameterName, 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per target')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-send', '--no-send', [CompletionResultType]::ParameterName, 'Never send a probe: facts only a probe establishes stay unverified')
            [CompletionResult]::new('--no-record', '--no-record', [CompletionResultType]::ParameterName, 'Run and report without touching the state file or its directory')
            [CompletionResult]::new('--probe-delivery', '--probe-delivery', [CompletionResultType]::ParameterName, 'Incoming routes: send a probe through an enabled outbound connector and find it')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;test-connection;connector' {
            [CompletionResult]::new('--send-test-to', '--send-test-to', [CompletionResultType]::ParameterName, 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per target')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-send', '--no-send', [CompletionResultType]::ParameterName, 'Never send a probe: facts only a probe establishes stay unverified')
            [CompletionResult]::new('--no-record', '--no-record', [CompletionResultType]::ParameterName, 'Run and report without touching the state file or its directory')
            [CompletionResult]::new('--probe-delivery', '--probe-delivery', [CompletionResultType]::ParameterName, 'Incoming routes: send a probe through an enabled outbound connector and find it')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;test-connection;route' {
            [CompletionResult]::new('--send-test-to', '--send-test-to', [CompletionResultType]::ParameterName, 'Where a probe goes when a fact needs one (default: the outbound connector''s own address)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per target')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-send', '--no-send', [CompletionResultType]::ParameterName, 'Never send a probe: facts only a probe establishes stay unverified')
            [CompletionResult]::new('--no-record', '--no-record', [CompletionResultType]::ParameterName, 'Run and report without touching the state file or its directory')
            [CompletionResult]::new('--probe-delivery', '--probe-delivery', [CompletionResultType]::ParameterName, 'Incoming routes: send a probe through an enabled outbound connector and find it')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;test-connection;help' {
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The integration: authority, token, permissions, scope (outside mailboxes recorded)')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'One connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'One route')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;test-connection;help;integration' {
            break
        }
        'graphmail;test-connection;help;connector' {
            break
        }
        'graphmail;test-connection;help;route' {
            break
        }
        'graphmail;test-connection;help;help' {
            break
        }
        'graphmail;enable' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'A connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'A route')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;enable;connector' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--with-routes', '--with-routes', [CompletionResultType]::ParameterName, 'Also re-enable (through the gate) the routes its disable switched off')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;enable;route' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;enable;help' {
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'A connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'A route')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;enable;help;connector' {
            break
        }
        'graphmail;enable;help;route' {
            break
        }
        'graphmail;enable;help;help' {
            break
        }
        'graphmail;disable' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'A connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'A route')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;disable;connector' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;disable;route' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;disable;help' {
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'A connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'A route')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;disable;help;connector' {
            break
        }
        'graphmail;disable;help;route' {
            break
        }
        'graphmail;disable;help;help' {
            break
        }
        'graphmail;status' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Exit 4 when anything enabled cannot be trusted (no valid passing test)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;plan' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The desired-state file (`-` for standard input)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The desired-state file (`-` for standard input)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 5 when there are changes, 0 when there are none (drift detection)')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Re-test live items (nothing recorded, no probe sent): a live item that no longer passes is drift')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Also show the removal of what the file does not declare')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The desired-state file (`-` for standard input)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The desired-state file (`-` for standard input)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per target')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Remove connectors and routes the file does not declare (live ones need --yes or a confirmation)')
            [CompletionResult]::new('--disable-failing', '--disable-failing', [CompletionResultType]::ParameterName, 'A changed live item that fails its test is saved disabled instead of keeping its old settings')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the desired-state file here instead of standard output')
            [CompletionResult]::new('--output-file', '--output-file', [CompletionResultType]::ParameterName, 'Write the desired-state file here instead of standard output')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;certificate' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;certificate;new' {
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject common name')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Days of validity')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Folder to write <name>.pfx, <name>.cer and <name>.pem into')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Base name of the files')
            [CompletionResult]::new('--password-env', '--password-env', [CompletionResultType]::ParameterName, 'Read the PFX password from this environment variable')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the PFX password from standard input')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing files')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;certificate;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;certificate;help;new' {
            break
        }
        'graphmail;certificate;help;help' {
            break
        }
        'graphmail;mail' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('peek', 'peek', [CompletionResultType]::ParameterValue, 'Read-only: recent mail of an incoming connector and the route each would take')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send through an outbound connector or an outgoing (alias) route')
            [CompletionResult]::new('folders', 'folders', [CompletionResultType]::ParameterValue, 'The mailbox''s folder tree with total and unread counts, marking the folders the connector reads')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Follow an incoming connector''s folders (delta) and print each new message with its route, until Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;mail;peek' {
            [CompletionResult]::new('--connector', '--connector', [CompletionResultType]::ParameterName, 'The incoming connector')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Only this folder (default: the connector''s folders)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Newest messages shown per folder (1-10000)')
            [CompletionResult]::new('--page-size', '--page-size', [CompletionResultType]::ParameterName, 'Messages per Graph page (`$top`, 1-1000; default: the limit, at most 1000)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--unread', '--unread', [CompletionResultType]::ParameterName, 'Only unread messages')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;mail;send' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, '`route:NAME`, `connector:NAME`, or a bare name when unambiguous')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Recipient (repeatable)')
            [CompletionResult]::new('--cc', '--cc', [CompletionResultType]::ParameterName, 'Copy recipient (repeatable)')
            [CompletionResult]::new('--bcc', '--bcc', [CompletionResultType]::ParameterName, 'Blind copy recipient (repeatable)')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'The subject line')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Body text')
            [CompletionResult]::new('--body-file', '--body-file', [CompletionResultType]::ParameterName, 'Read the body from a file (`-` for stdin)')
            [CompletionResult]::new('--attach', '--attach', [CompletionResultType]::ParameterName, 'Attach a file, up to 150 MB (repeatable); large ones go through an upload session')
            [CompletionResult]::new('--verify-timeout', '--verify-timeout', [CompletionResultType]::ParameterName, 'How long --verify-sent waits for the Sent Items copy, in seconds')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'The body is HTML')
            [CompletionResult]::new('--verify-sent', '--verify-sent', [CompletionResultType]::ParameterName, 'Confirm the message reached the sending mailbox''s Sent Items')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;mail;folders' {
            [CompletionResult]::new('--connector', '--connector', [CompletionResultType]::ParameterName, 'The connector whose mailbox to show')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;mail;watch' {
            [CompletionResult]::new('--connector', '--connector', [CompletionResultType]::ParameterName, 'The incoming connector')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Only this folder (default: the connector''s folders)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between looks (1-3600)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print what arrived since the saved position, save the new one, and exit')
            [CompletionResult]::new('--from-start', '--from-start', [CompletionResultType]::ParameterName, 'With no saved position, print what the folders hold first (default: start from now)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;mail;help' {
            [CompletionResult]::new('peek', 'peek', [CompletionResultType]::ParameterValue, 'Read-only: recent mail of an incoming connector and the route each would take')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send through an outbound connector or an outgoing (alias) route')
            [CompletionResult]::new('folders', 'folders', [CompletionResultType]::ParameterValue, 'The mailbox''s folder tree with total and unread counts, marking the folders the connector reads')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Follow an incoming connector''s folders (delta) and print each new message with its route, until Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;mail;help;peek' {
            break
        }
        'graphmail;mail;help;send' {
            break
        }
        'graphmail;mail;help;folders' {
            break
        }
        'graphmail;mail;help;watch' {
            break
        }
        'graphmail;mail;help;help' {
            break
        }
        'graphmail;scope' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Record how the app is restricted and which mailboxes must stay out of its reach')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show what `scope set` recorded')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Print Exchange Online PowerShell that scopes the app to exactly the connectors'' mailboxes')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Prove it: the connectors'' mailboxes answer, the outside ones refuse')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;scope;set' {
            [CompletionResult]::new('--mechanism', '--mechanism', [CompletionResultType]::ParameterName, 'The mechanism the admin uses (required the first time)')
            [CompletionResult]::new('--outside', '--outside', [CompletionResultType]::ParameterName, 'A mailbox the app must NOT reach (repeat; replaces the recorded list)')
            [CompletionResult]::new('--own-mailbox', '--own-mailbox', [CompletionResultType]::ParameterName, 'An outgoing route''s address that is a mailbox of its own, not another address of its connector''s mailbox (repeat; replaces the recorded list)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-outside', '--no-outside', [CompletionResultType]::ParameterName, 'Forget the recorded outside mailboxes')
            [CompletionResult]::new('--no-own-mailbox', '--no-own-mailbox', [CompletionResultType]::ParameterName, 'Forget the recorded own mailboxes (every alias is a proxy address again)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;scope;show' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;scope;plan' {
            [CompletionResult]::new('--mechanism', '--mechanism', [CompletionResultType]::ParameterName, 'The mechanism to plan for (default: the recorded one)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Scope through a mail-enabled security group of this name (RBAC: one group per role set, NAME-incoming and NAME-outbound)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--exact', '--exact', [CompletionResultType]::ParameterName, 'Remove group members that are not configured mailboxes (default: list them)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;scope;check' {
            [CompletionResult]::new('--outside', '--outside', [CompletionResultType]::ParameterName, 'Also prove this mailbox is refused (repeat; adds to the recorded ones)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;scope;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Record how the app is restricted and which mailboxes must stay out of its reach')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show what `scope set` recorded')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Print Exchange Online PowerShell that scopes the app to exactly the connectors'' mailboxes')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Prove it: the connectors'' mailboxes answer, the outside ones refuse')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;scope;help;set' {
            break
        }
        'graphmail;scope;help;show' {
            break
        }
        'graphmail;scope;help;plan' {
            break
        }
        'graphmail;scope;help;check' {
            break
        }
        'graphmail;scope;help;help' {
            break
        }
        'graphmail;sandbox' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the emulator; prints one JSON line with its endpoints and test credentials')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;sandbox;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (loopback)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed file (TOML) with tenants, apps, mailboxes, policies and faults')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Keep the generated certificates and CA in this folder (default: a temp folder removed on exit)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Serve HTTPS with a generated CA (its path is in the ready line)')
            [CompletionResult]::new('--allow-non-loopback', '--allow-non-loopback', [CompletionResultType]::ParameterName, 'Allow a --listen address that is not loopback (the sandbox has no real security)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;sandbox;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the emulator; prints one JSON line with its endpoints and test credentials')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;sandbox;help;serve' {
            break
        }
        'graphmail;sandbox;help;help' {
            break
        }
        'graphmail;demo' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the demo''s state folder and print its path')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;completion' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--static', '--static', [CompletionResultType]::ParameterName, 'The self-contained script (as in completions/): commands and options, but no connector or route names')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;doctor' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per check (the network checks run concurrently)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;token' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Get a token as a connection test does and show its claims (never the token)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;token;inspect' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;token;help' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Get a token as a connection test does and show its claims (never the token)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;token;help;inspect' {
            break
        }
        'graphmail;token;help;help' {
            break
        }
        'graphmail;history' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many runs, the newest')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The integration''s runs')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'One connector''s runs')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'One route''s runs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;history;integration' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many runs, the newest')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;history;connector' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many runs, the newest')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;history;route' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many runs, the newest')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;history;help' {
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The integration''s runs')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'One connector''s runs')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'One route''s runs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;history;help;integration' {
            break
        }
        'graphmail;history;help;connector' {
            break
        }
        'graphmail;history;help;route' {
            break
        }
        'graphmail;history;help;help' {
            break
        }
        'graphmail;support' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;support;bundle' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the archive (default: graphmail-support-<UTC time>.tar.gz or .zip, here)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write the archive (default: graphmail-support-<UTC time>.tar.gz or .zip, here)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file (env: GRAPHMAIL_STATE)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--zip', '--zip', [CompletionResultType]::ParameterName, 'A .zip instead of a .tar.gz')
            [CompletionResult]::new('--redact-addresses', '--redact-addresses', [CompletionResultType]::ParameterName, 'Replace mailbox addresses by stable placeholders (mailbox-1@redacted.invalid, ...)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt (implied without a terminal or when CI is set)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm destructive actions without asking')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v each request, -vv also its headers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'graphmail;support;help' {
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;support;help;bundle' {
            break
        }
        'graphmail;support;help;help' {
            break
        }
        'graphmail;help' {
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The tenant-level integration: tenant, app ID, credential')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'Incoming and outbound Graph connectors on shared mailboxes')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Incoming routes (address to process) and outgoing routes (alias From addresses)')
            [CompletionResult]::new('test-connection', 'test-connection', [CompletionResultType]::ParameterValue, 'Test the integration, a connector or a route: a pass rests on evidence')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Set a tested connector or route live')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Take a connector (and its routes) or a route out of service')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Everything at a glance, with what needs attention')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'What `apply` would change to match a desired-state file (touches nothing)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Converge the state to a desired-state file: create, test, enable what passes')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'The current state as a desired-state file (secrets as their sources)')
            [CompletionResult]::new('certificate', 'certificate', [CompletionResultType]::ParameterValue, 'Make a self-signed certificate for the app registration')
            [CompletionResult]::new('mail', 'mail', [CompletionResultType]::ParameterValue, 'Read and send mail through the connectors')
            [CompletionResult]::new('scope', 'scope', [CompletionResultType]::ParameterValue, 'Restrict the app to exactly the connectors'' mailboxes, and prove it')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'The local Entra ID + Graph emulator')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole flow against the embedded sandbox')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (connector and route names complete from the state file)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'The access token this integration gets')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Every recorded connection test, newest first, with codes and request-ids')
            [CompletionResult]::new('support', 'support', [CompletionResultType]::ParameterValue, 'What a support engineer needs, in one redacted archive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'graphmail;help;integration' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Create or change the integration; tests it before saving')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the integration and where its secret comes from')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove the integration and its stored secrets')
            break
        }
        'graphmail;help;integration;set' {
            break
        }
        'graphmail;help;integration;show' {
            break
        }
        'graphmail;help;integration;remove' {
            break
        }
        'graphmail;help;connector' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a connector (disabled until tested and enabled)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List connectors')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one connector with its routes and last test')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change a connector; a live one is re-tested in the same command')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a connector')
            break
        }
        'graphmail;help;connector;add' {
            break
        }
        'graphmail;help;connector;list' {
            break
        }
        'graphmail;help;connector;show' {
            break
        }
        'graphmail;help;connector;set' {
            break
        }
        'graphmail;help;connector;remove' {
            break
        }
        'graphmail;help;route' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an incoming route or an outgoing (alias) route')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List routes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one route')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change a route; a live one is re-tested in the same command')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a route (default routes go with their connector)')
            break
        }
        'graphmail;help;route;add' {
            break
        }
        'graphmail;help;route;list' {
            break
        }
        'graphmail;help;route;show' {
            break
        }
        'graphmail;help;route;set' {
            break
        }
        'graphmail;help;route;remove' {
            break
        }
        'graphmail;help;test-connection' {
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The integration: authority, token, permissions, scope (outside mailboxes recorded)')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'One connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'One route')
            break
        }
        'graphmail;help;test-connection;integration' {
            break
        }
        'graphmail;help;test-connection;connector' {
            break
        }
        'graphmail;help;test-connection;route' {
            break
        }
        'graphmail;help;enable' {
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'A connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'A route')
            break
        }
        'graphmail;help;enable;connector' {
            break
        }
        'graphmail;help;enable;route' {
            break
        }
        'graphmail;help;disable' {
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'A connector')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'A route')
            break
        }
        'graphmail;help;disable;connector' {
            break
        }
        'graphmail;help;disable;route' {
            break
        }
        'graphmail;help;status' {
            break
        }
        'graphmail;help;plan' {
            break
        }
        'graphmail;help;apply' {
            break
        }
        'graphmail;help;export' {
            break
        }
        'graphmail;help;certificate' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra')
            break
        }
        'graphmail;help;certificate;new' {
            break
        }
        'graphmail;help;mail' {
            [CompletionResult]::new('peek', 'peek', [CompletionResultType]::ParameterValue, 'Read-only: recent mail of an incoming connector and the route each would take')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send through an outbound connector or an outgoing (alias) route')
            [CompletionResult]::new('folders', 'folders', [CompletionResultType]::ParameterValue, 'The mailbox''s folder tree with total and unread counts, marking the folders the connector reads')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Follow an incoming connector''s folders (delta) and print each new message with its route, until Ctrl-C')
            break
        }
        'graphmail;help;mail;peek' {
            break
        }
        'graphmail;help;mail;send' {
            break
        }
        'graphmail;help;mail;folders' {
            break
        }
        'graphmail;help;mail;watch' {
            break
        }
        'graphmail;help;scope' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Record how the app is restricted and which mailboxes must stay out of its reach')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show what `scope set` recorded')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Print Exchange Online PowerShell that scopes the app to exactly the connectors'' mailboxes')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Prove it: the connectors'' mailboxes answer, the outside ones refuse')
            break
        }
        'graphmail;help;scope;set' {
            break
        }
        'graphmail;help;scope;show' {
            break
        }
        'graphmail;help;scope;plan' {
            break
        }
        'graphmail;help;scope;check' {
            break
        }
        'graphmail;help;sandbox' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the emulator; prints one JSON line with its endpoints and test credentials')
            break
        }
        'graphmail;help;sandbox;serve' {
            break
        }
        'graphmail;help;demo' {
            break
        }
        'graphmail;help;completion' {
            break
        }
        'graphmail;help;doctor' {
            break
        }
        'graphmail;help;token' {
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Get a token as a connection test does and show its claims (never the token)')
            break
        }
        'graphmail;help;token;inspect' {
            break
        }
        'graphmail;help;history' {
            [CompletionResult]::new('integration', 'integration', [CompletionResultType]::ParameterValue, 'The integration''s runs')
            [CompletionResult]::new('connector', 'connector', [CompletionResultType]::ParameterValue, 'One connector''s runs')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'One route''s runs')
            break
        }
        'graphmail;help;history;integration' {
            break
        }
        'graphmail;help;history;connector' {
            break
        }
        'graphmail;help;history;route' {
            break
        }
        'graphmail;help;support' {
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log')
            break
        }
        'graphmail;help;support;bundle' {
            break
        }
        'graphmail;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
