package io.mtlsproxy.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.mtlsproxy.core.config.LoggingConfig;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code logging} section at start: the root logger's one appender gets the plain
 * or JSON encoder and the level. Other loggers keep their own appenders (the audit trail's
 * {@code mtls_proxy.audit} is not touched).
 */
public final class LogSetup {
    /** Plain lines: the MDC's request id and client are appended when a request is being handled. */
    static final String PLAIN_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{0} %msg"
            + "%replace( requestId=%X{" + RequestMdc.REQUEST_ID + "}){' requestId=$', ''}%n";

    private LogSetup() {}

    /**
     * Standard output, as configured; for {@code serve} and {@code demo}. An operator's own logback
     * file ({@code -Dlogback.configurationFile}) wins, and nothing is changed.
     */
    public static void apply(LoggingConfig config) {
        LoggerContext context = context();
        if (context == null || System.getProperty("logback.configurationFile") != null) {
            return;
        }
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        install(context, config, console);
    }

    /**
     * As {@link #apply} but writing to {@code target}; the returned handle puts the previous
     * appenders and level back (tests).
     */
    public static AutoCloseable applyTo(LoggingConfig config, OutputStream target) {
        LoggerContext context = context();
        if (context == null) {
            return () -> { };
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        List<Appender<ILoggingEvent>> previous = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            previous.add(it.next());
        }
        Level previousLevel = root.getLevel();
        for (Appender<ILoggingEvent> appender : previous) {
            root.detachAppender(appender); // detached, not stopped: they come back on close
        }
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setOutputStream(target);
        install(context, config, appender);
        return () -> {
            root.detachAppender(appender);
            appender.stop();
            previous.forEach(root::addAppender);
            root.setLevel(previousLevel);
        };
    }

    private static void install(LoggerContext context, LoggingConfig config, OutputStreamAppender<ILoggingEvent> appender) {
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        appender.setContext(context);
        appender.setName("STDOUT");
        appender.setEncoder(encoder(context, config.format()));
        appender.start();
        List<Appender<ILoggingEvent>> replaced = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(replaced::add);
        for (Appender<ILoggingEvent> old : replaced) {
            root.detachAppender(old);
            old.stop();
        }
        root.addAppender(appender);
        root.setLevel(Level.toLevel(config.level(), Level.INFO));
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, LoggingConfig.Format format) {
        if (format == LoggingConfig.Format.JSON) {
            LogstashEncoder json = new LogstashEncoder();
            json.setContext(context);
            json.start();
            return json;
        }
        PatternLayoutEncoder plain = new PatternLayoutEncoder();
        plain.setContext(context);
        plain.setPattern(PLAIN_PATTERN);
        plain.start();
        return plain;
    }

    private static LoggerContext context() {
        // another SLF4J binding (an embedding application's) keeps its own configuration
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext logback ? logback : null;
    }
}
