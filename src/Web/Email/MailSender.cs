using MailKit.Net.Smtp;
using MailKit.Security;

using Microsoft.Extensions.Options;

using MimeKit;

namespace Cybernet.Web.Email;

/// <summary>Sends email over SMTP with MailKit: one message on its own connection, or many over one (<see cref="OpenAsync"/>).</summary>
public sealed partial class MailSender(IOptions<EmailOptions> options, ILogger<MailSender> logger)
{
    public MailboxAddress From => new(options.Value.FromName, options.Value.FromAddress);

    /// <summary>Sends one message on a connection of its own.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.SendAsync(message, cancellationToken);
    }

    /// <summary>Connects (and signs in) to the SMTP server; throws when it cannot be reached.</summary>
    public async Task<MailConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = new TrackingSmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        try
        {
            var security = settings.Tls switch
            {
                SmtpTlsMode.StartTls => SecureSocketOptions.StartTls,
                SmtpTlsMode.Implicit => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.None,
            };
            // Our own socket, for TCP_NODELAY: a command or a message's last line is never held back waiting for an ACK.
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connectTimeout.CancelAfter(settings.Timeout);
                await socket.ConnectAsync(settings.Host, settings.Port, connectTimeout.Token);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            await client.ConnectAsync(socket, settings.Host, settings.Port, security, cancellationToken);
            if (!settings.Pipelining)
            {
                client.Capabilities &= ~SmtpCapabilities.Pipelining;
            }

            if (!string.IsNullOrEmpty(settings.UserName))
            {
                await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new MailConnection(client, logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email {Kind} sent")]
    internal static partial void LogSent(ILogger logger, string kind);
}

/// <summary>An open SMTP connection. Tells, when a send fails, whether the server could have taken the message.</summary>
public sealed class MailConnection : IAsyncDisposable
{
    private readonly TrackingSmtpClient client;
    private readonly ILogger logger;

    internal MailConnection(TrackingSmtpClient client, ILogger logger)
    {
        this.client = client;
        this.logger = logger;
    }

    /// <summary>Sends <paramref name="message"/>; on failure throws <see cref="MailSendException"/> saying whether delivery is ruled out.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        client.RecipientsAccepted = false;
        try
        {
            await client.SendAsync(message, cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Until the server accepted the recipients, no message body was sent: it certainly has nothing.
            // After that (DATA under way, or its answer lost) it may have taken the message.
            throw new MailSendException(error.Message, mayHaveBeenDelivered: client.RecipientsAccepted && error is not SmtpCommandException, error);
        }

        MailSender.LogSent(logger, message.Headers[MailHeaders.Kind] ?? "message");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(quit: true);
            }
        }
        catch (Exception)
        {
            // The messages are sent or not by now; a failed goodbye changes nothing.
        }

        client.Dispose();
    }
}

/// <summary>A send that failed; <see cref="MayHaveBeenDelivered"/> is false when the server certainly did not take the message.</summary>
public sealed class MailSendException(string message, bool mayHaveBeenDelivered, Exception inner) : Exception(message, inner)
{
    public bool MayHaveBeenDelivered { get; } = mayHaveBeenDelivered;
}

/// <summary>Our own headers: what kind of email a message is (logged instead of its subject or body).</summary>
public static class MailHeaders
{
    public const string Kind = "X-Cybernet-Kind";
}

/// <summary>MailKit's client, noting when the server has accepted every recipient (after which the body goes out).</summary>
internal sealed class TrackingSmtpClient : SmtpClient
{
    public bool RecipientsAccepted { get; set; }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        base.OnRecipientAccepted(message, mailbox, response);
        RecipientsAccepted = true;
    }
}
