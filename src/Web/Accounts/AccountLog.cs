namespace Cybernet.Web.Accounts;

/// <summary>Account events worth a log line. Never an address, a token or an email body.</summary>
internal static partial class AccountLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "A confirmation email could not be sent ({Error}); the person can ask again")]
    public static partial void ConfirmationNotSent(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An account email could not be sent ({Error})")]
    public static partial void EmailNotSent(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserName} was made an administrator (listed in Accounts:Administrators)")]
    public static partial void AdministratorGranted(ILogger logger, string userName);
}
